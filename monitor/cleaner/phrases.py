"""Phrase tables for the boilerplate filter (``boilerplate.py``), as data.

All entries are written already normalised (see ``boilerplate.normalise``): lower case,
straight quotes, single spaces, no trailing punctuation. English first, then Russian,
Chinese, German, French and Spanish forms. Add phrases here, not rules in code.

- ``WHOLE_LINES``: a line that is exactly one of these is furniture wherever it sits.
- ``FORM_PHRASES``: wording only page furniture uses; a short line containing one is
  furniture even when it is a full sentence ("Your email address will not be published.").
- ``PREFIXES``: a short line that is not a sentence and starts with one is furniture
  ("Read more: ...", "Photo: ...", "By Jane Doe").
- ``LINK_PREFIXES``: a short line that starts with one is a link to another story even
  when it reads as a sentence ("Read also: Will rates fall?").
- ``EDGE_PHRASES``: regular expressions for wording that is furniture only at the edges
  of the body (follow prompts, credits, contact lines): a last line "Follow her on
  Twitter" goes, the same words mid-article stay.
- ``DATE_WORDS``: month and weekday names and the small words around them; at an edge,
  a short line of only these and numbers ("Updated at 1:23 p.m.") is a date line.
- ``LANGUAGE_NAMES``: endonyms and English names; a row made only of these (or of
  language codes) is a language switcher.
"""

from __future__ import annotations

__all__ = [
    "WHOLE_LINES",
    "FORM_PHRASES",
    "PREFIXES",
    "LINK_PREFIXES",
    "EDGE_PHRASES",
    "DATE_WORDS",
    "LANGUAGE_NAMES",
]

# fmt: off
WHOLE_LINES: frozenset[str] = frozenset(
    {
        # reply and comment forms
        "leave a reply", "leave a comment", "leave a reply cancel reply", "cancel reply",
        "post comment", "submit comment", "add comment", "add a comment", "comments",
        "comment", "reply", "show comments", "view comments", "load comments",
        "join the conversation", "join the discussion", "discussion", "responses",
        "no comments", "no comments yet", "be the first to comment", "comments are closed",
        "comments closed", "thanks for reading", "thank you for reading", "report an error",
        "report a correction", "report a typo", "got a tip", "subscribe today", "name", "email",
        "website", "name *", "email *", "website *", "comment *", "your comment",
        "log in to reply", "login to comment", "you must be logged in to post a comment",
        "оставить комментарий", "оставьте комментарий", "добавить комментарий",
        "отменить ответ", "отправить комментарий", "комментарии", "ответить", "ответ",
        "发表评论", "取消回复", "评论", "发表回复", "提交评论", "留言", "回复",
        "kommentar schreiben", "kommentar abschicken", "kommentare", "antworten",
        "antwort abbrechen", "schreibe einen kommentar", "hinterlasse einen kommentar",
        "laisser un commentaire", "laisser une réponse", "annuler la réponse",
        "commentaires", "répondre", "publier le commentaire", "écrire un commentaire",
        "deja un comentario", "deja una respuesta", "dejar un comentario",
        "cancelar respuesta", "publicar el comentario", "comentarios", "responder",
        # language switchers
        "select language", "choose language", "language", "languages", "change language",
        "powered by google translate", "translate", "выберите язык", "язык", "选择语言",
        "语言", "sprache wählen", "sprache", "choisir la langue", "langue",
        "seleccionar idioma", "idioma",
        # share and follow
        "share", "share this", "share this article", "share this story", "share this post",
        "share on facebook", "share on twitter", "share on x", "share on linkedin",
        "share on whatsapp", "share via email", "email this", "print", "print this page",
        "tweet", "pin it", "like this", "like", "like loading", "loading", "follow us",
        "follow", "facebook", "twitter", "x", "linkedin", "whatsapp", "telegram",
        "instagram", "youtube", "reddit", "pinterest", "copy link",
        "like this story? share it", "поделиться", "поделитесь", "поделиться в соцсетях",
        "分享", "分享到", "分享到微信", "分享到微博", "teilen", "artikel teilen",
        "diesen artikel teilen", "partager", "partager cet article", "compartir",
        "compartir este artículo", "compartir en facebook",
        # related and more
        "related", "related posts", "related articles", "related stories", "related news",
        "related content", "related topics", "recommended", "recommended for you",
        "you may also like", "you might also like", "more from", "more stories",
        "more news", "read more", "read next", "up next", "most read", "most popular",
        "trending", "trending now", "latest news", "top stories", "don't miss",
        "do not miss", "see also", "also read", "popular", "advertisement", "sponsored",
        "continue reading", "читайте также", "похожие статьи", "похожие записи",
        "по теме", "еще по теме", "ещё по теме", "популярное", "реклама", "читать далее",
        "читать полностью", "相关文章", "相关阅读", "相关新闻", "推荐阅读", "延伸阅读",
        "热门文章", "阅读更多", "更多", "广告", "das könnte sie auch interessieren",
        "mehr zum thema", "weiterlesen", "lesen sie auch", "ähnliche beiträge",
        "anzeige", "werbung", "à lire aussi", "lire aussi", "lire la suite",
        "articles similaires", "sur le même sujet", "publicité", "te puede interesar",
        "leer más", "lee también", "artículos relacionados", "noticias relacionadas",
        "publicidad", "contenido relacionado", "notas relacionadas", "bild anzeigen",
        "zum newsletter anmelden", "teilen sie dies mit", "vorschau auf den nächsten artikel",
        # newsletter, app, cookie
        "subscribe", "sign up", "sign up now", "subscribe now", "newsletter",
        "get the app", "download the app", "accept", "accept all", "accept cookies",
        "reject all", "cookie settings", "manage cookies", "got it", "i agree", "ok",
        "подписаться", "подпишитесь", "订阅", "abonnieren", "newsletter abonnieren",
        "s'abonner", "abonnez-vous", "suscribirse", "suscríbete",
        # misc navigation
        "previous post", "next post", "previous article", "next article", "previous",
        "next", "back to top", "home", "menu", "search", "skip to content", "tags",
        "topics", "filed under", "categories", "предыдущая запись", "следующая запись",
        "上一篇", "下一篇", "vorheriger beitrag", "nächster beitrag", "article précédent",
        "article suivant", "entrada anterior", "siguiente entrada",
        "explore further", "thank you", "sorry", "more", "most viewed", "show more",
        "load more", "sign in", "log in", "learn more", "find out more", "skip advertisement",
        "image caption", "source link", "read the full story", "read the full article",
        "terms of use", "terms of service", "privacy policy", "contact us", "editor picks",
        "watch live", "go to comments", "end of story", "story continues below",
        "something to consider", "order reprints", "print article", "editor's picks",
        "what to read next", "читать еще", "больше новостей", "更多新闻", "meistgelesen",
        "les plus lus", "lo más leído",
        "auch interessant", "zum weiterlesen", "mehr themen", "videos zum thema",
        "beiträge aus dem forum", "empfohlene beiträge", "das könnte dich auch interessieren",
        "das thema könnte dich auch interessieren", "top-themen", "mirá también",
        "vous aimerez aussi", "à voir aussi", "czytaj także", "czytaj też", "zobacz też",
        "zobacz także", "leia também", "veja também", "leia mais", "temas relacionados",
        "ansprechpartner", "pressekontakt", "kontakt", "temas", "themen", "etiquetas",
        "release date",
        # player, caption and layout controls shown as text; skip links
        "continue reading the main story", "show caption", "hide caption",
        "show caption hide caption", "toggle caption", "enlarge this image", "ad feedback",
        "story continues below advertisement", "article continues below advertisement",
        "advertisement - continue reading below", "scroll to continue with content",
        "listen to this article", "sponsored content", "recommended video",
        "recommended videos", "join our mailing list", "thank you for subscribing", "close",
        "skip to main content", "zum inhalt springen", "zum hauptinhalt springen",
        "aller au contenu", "aller au contenu principal", "ir al contenido",
        "saltar al contenido", "перейти к содержимому", "zum seitenanfang", "nach oben",
        "retour en haut", "volver arriba",
    }
)

FORM_PHRASES: tuple[str, ...] = (
    "your email address will not be published",
    "your email address will not be shared",
    "required fields are marked",
    "save my name, email, and website",
    "save my name, email and website",
    "notify me of follow-up comments",
    "notify me of new posts",
    "notify me of new comments",
    "comments powered by disqus",
    "please enable javascript to view the comments",
    "this site uses akismet",
    "you must be logged in to post a comment",
    "click to share on",
    "opens in new window",
    "click to email a link to a friend",
    "click to print",
    "we use cookies",
    "this website uses cookies",
    "this site uses cookies",
    "by continuing to use this site",
    "by continuing to browse",
    "sign up for our newsletter",
    "subscribe to our newsletter",
    "sign up to our newsletter",
    "get our newsletter",
    "delivered to your inbox",
    "download our app",
    "all rights reserved",
    "powered by google translate",
    "like this story? share it",
    "thanks for signing up",
    "thank you for signing up",
    "keep an eye on your inbox",
    "error processing your subscription",
    "an error has occurred, please try again",
    "this article has been sent to",
    "this copy is for your personal, non-commercial use only",
    "click here to get the",
    "click here to subscribe",
    "contributed to this report",
    "contributed reporting",
    "additional reporting by",
    "(reporting by",
    "if you enjoyed this article",
    "min read",
    "minute read",
    "reading time",
    "время чтения",
    "lesezeit",
    "temps de lecture",
    "tiempo de lectura",
    "阅读时间",
    "ваш адрес email не будет опубликован",
    "ваш адрес электронной почты не будет опубликован",
    "обязательные поля помечены",
    "сохранить моё имя, email и адрес сайта",
    "сохранить мое имя, email и адрес сайта",
    "мы используем файлы cookie",
    "подпишитесь на нашу рассылку",
    "все права защищены",
    "您的电子邮箱地址不会被公开",
    "您的邮箱地址不会被公开",
    "必填项已用",
    "在此浏览器中保存我的显示名称",
    "版权所有",
    "deine e-mail-adresse wird nicht veröffentlicht",
    "ihre e-mail-adresse wird nicht veröffentlicht",
    "erforderliche felder sind mit",
    "meinen namen, meine e-mail-adresse und meine website in diesem browser speichern",
    "wir verwenden cookies",
    "diese website verwendet cookies",
    "alle rechte vorbehalten",
    "votre adresse e-mail ne sera pas publiée",
    "votre adresse de messagerie ne sera pas publiée",
    "les champs obligatoires sont indiqués",
    "enregistrer mon nom, mon e-mail et mon site",
    "nous utilisons des cookies",
    "ce site utilise des cookies",
    "tous droits réservés",
    "inscrivez-vous à notre newsletter",
    "tu dirección de correo electrónico no será publicada",
    "su dirección de correo electrónico no será publicada",
    "los campos obligatorios están marcados",
    "guarda mi nombre, correo electrónico y web",
    "utilizamos cookies",
    "este sitio web utiliza cookies",
    "todos los derechos reservados",
    "suscríbete a nuestro boletín",
    "never miss the latest news",
    "sign up to get the best",
    "for the full story",
    "to view the full story",
    "already a subscriber",
    "daily edition by email",
    "submit your letter to the editor",
    "for the latest stories and breaking news updates",
    "the thomson reuters trust principles",
    "this post contains references to products",
    "we may receive compensation",
    "advertisers do not influence",
    "in deinen posteingang",
    "mit unserem newsletter erhalten sie",
    "mit der registrierung akzeptieren sie",
    "um kommentare zu schreiben",
    "dieser beitrag enthält werbung",
    "es sich um affiliate links",
    "verraten sie gerne in den kommentaren",
    "materiał chroniony prawem autorskim",
    "canal de telegram",
    "canal de youtube",
    "to your basket",
    "cancel anytime",
    "cancel any time",
    "cancela cuando quieras",
    "jederzeit kündbar",
    "résiliable à tout moment",
    # the page talking about the reader's browser
    "javascript is disabled",
    "please enable javascript",
    "javascript ist deaktiviert",
    "aktiviere bitte javascript",
    "bitte aktivieren sie javascript",
    "activez javascript",
    "veuillez activer javascript",
    "habilita javascript",
    "you are using an outdated browser",
    "du verwendest einen veralteten browser",
    "sie verwenden einen veralteten browser",
    "your browser does not support the video",
    "your browser does not support html5 video",
    "media playback is unsupported on your device",
    # a paywall's counter; an embed the page could not show
    "you have reached your limit of free articles",
    "you've reached your free article limit",
    "this content is imported from",
    "the same content in another format",
)

PREFIXES: tuple[str, ...] = (
    "read more:", "read more ", "read also:", "also read:", "see also:", "related:",
    "more:", "watch:", "listen:", "recommended:", "don't miss:", "photo:", "photos:",
    "image:", "picture:", "credit:", "image credit", "photo credit", "source:",
    "illustration:", "video:", "by ", "written by", "posted by", "posted on",
    "published ", "updated ", "last updated", "first published", "reporting by",
    "editing by", "copyright", "©", "(c) ", "follow us on", "follow ", "share on",
    "subscribe to", "sign up for", "sign up to", "tags:", "topics:", "filed under",
    "category:", "categories:", "posted in", "also on ", "also:", "see more:",
    "most read in", "popular on ", "more on ", "more from ", "related coverage", "sponsored:",
    "advertisement:", "contributing:", "with reporting by", "image source",
    "читайте также:", "читайте также ",
    "смотрите также", "фото:", "автор:", "источник:", "опубликовано", "обновлено",
    "подписывайтесь на", "阅读更多", "相关阅读", "延伸阅读", "图片来源", "图：", "来源：",
    "作者：", "责任编辑", "编辑：", "发布时间", "更新时间", "lesen sie auch", "mehr zum thema",
    "foto:", "bild:", "quelle:", "von ", "aktualisiert", "veröffentlicht am",
    "folgen sie uns", "à lire aussi", "lire aussi", "voir aussi", "photo :", "crédit",
    "par ", "mis à jour", "publié le", "suivez-nous", "lee también", "leer más",
    "ver también", "foto:", "por ", "actualizado", "publicado el", "síguenos",
    "lea también", "lea más:", "lea:", "vea también", "puedes ver:", "mira:", "beitragsbild",
    "auch lesen:", "lesen sie hier:", "lesen sie:", "le puede interesar", "te puede interesar",
    "mirá también", "dowiedz się więcej", "czytaj także", "czytaj też", "zobacz też",
    "zobacz także", "leia também", "veja também", "leia mais", "auch interessant",
    "zum weiterlesen", "das könnte sie auch interessieren", "das könnte dich auch interessieren",
    "mehr aus ", "titelbild:", "vous aimerez aussi", "à voir aussi", "top-themen",
    "(credit:", "(photo:", "(foto:", "(bild:", "(image:", "letzte änderung", "zuletzt aktualisiert",
    "themen:", "schlagwörter:", "schlagworte:", "stichworte:", "temas:", "etiquetas:", "thèmes :",
    "thèmes:", "mots-clés :", "mots-clés:", "tematy:", "tagi:", "warning:", "notice:",
    "deprecated:", "fatal error:",
)

LINK_PREFIXES: tuple[str, ...] = (
    "read more:", "read also:", "also read:", "see also:", "see more:", "related:",
    "recommended:", "don't miss:", "читайте также:", "lesen sie auch:", "auch lesen:",
    "lesen sie hier:", "mehr zum thema:", "lire aussi:", "lire aussi :", "à lire aussi:",
    "à lire aussi :", "lee también:", "lea también:", "ver también:", "vea también:",
    "puedes ver:", "le puede interesar:", "te puede interesar:", "mirá también:",
    "dowiedz się więcej:", "czytaj także:", "czytaj też:", "zobacz też:", "leia também:",
    "veja também:",
)

EDGE_PHRASES: tuple[str, ...] = (
    r"\bfollow (?:us|him|her|them|me)\b",
    r"\bfollow\b.{0,60}\bon (?:twitter|facebook|instagram|x|linkedin|telegram|youtube)\b",
    r"\b(?:subscribe|sign up) (?:to|for) (?:our|the)\b.{0,40}\bnewsletters?\b",
    r"\bour newsletters?\b", r"\bnewsletters?\b.{0,30}\binbox\b", r"\bin your inbox\b",
    r"\bclick here\b", r"\bget the .{0,30}\bapp\b", r"\bdownload (?:the|our)\b.{0,30}\bapp\b",
    r"\bmay be reached at\b", r"\bcan be reached at\b", r"\bhave a tip\b",
    r"\bemail (?:the )?(?:author|writer|reporter)\b", r"^write to \w", r"^email \w+ \w+ at\b",
    r"[\w.+-]{1,64}@[\w-]{1,64}\.\w", r"(?:^|\s)@\w{2,}", r"https?://", r"\bwww\.",
    r"\btwitter\.com/", r"\breporting by\b", r"\bediting by\b", r"\bcontributed\b",
    r"\bstaff (?:writer|reporter|correspondent)\b", r"^by (?:the )?\w+ (?:staff|desk)\b",
    r"\ball rights reserved\b", r"^©|^\(c\)|^copyright\b", r"\bsponsored by\b",
    r"\bshare (?:it|this)\b", r"подписывайтесь на", r"следите за нами", r"читайте нас в",
    r"关注我们", r"扫码关注", r"folgen sie uns", r"abonnieren sie", r"suivez-nous",
    r"abonnez-vous", r"síguenos", r"suscríbete",
    # promotion of the site's own products, said in a full sentence
    r"^subscribe to\b", r"^sign up\b", r"^listen (?:to|live|again|back)\b", r"\blisten back\b",
    r"^get .{0,60}\bdelivered\b", r"\b(?:tell us|let us know|like to hear) what you think\b",
    r"\buse (?:the |promo |coupon |discount )*code\b", r"\bif you buy something\b",
    r"\b(?:earn|get|receive) a (?:small )?(?:share|commission)\b", r"\baffiliate links?\b",
    # a comment section's rules: "Comments are moderated", "Comentários ... não serão
    # aprovados pelo moderador", "Kommentare erscheinen erst nach unserer Freigabe"
    r"\b(?:comments?|comentários?|comentarios?|commentaires?|kommentare?|комментари\w*)\b"
    r".{0,120}\b(?:moderat|moderad|modérat|moderiert|freigabe|freigeschaltet|модер)",
)

DATE_WORDS: frozenset[str] = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
    friday saturday sunday mon tue tues wed thu thur thurs fri sat sun am pm a p m at on
    of the updated published posted last modified edited first date time gmt utc bst cet
    cest est edt cst cdt pst pdt et pt ist st nd rd th
    января февраля марта апреля мая июня июля августа сентября октября ноября декабря
    январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь
    понедельник вторник среда четверг пятница суббота воскресенье в г года обновлено
    опубликовано мск
    年 月 日 时 分 更新 发布
    januar februar märz mai juni juli oktober dezember montag dienstag mittwoch donnerstag
    freitag samstag sonntag um uhr am aktualisiert veröffentlicht
    janvier février mars avril juin juillet août septembre octobre novembre décembre lundi
    mardi mercredi jeudi vendredi samedi dimanche le à h mis jour publié
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre
    diciembre lunes martes miércoles jueves viernes sábado domingo de del las los actualizado
    publicado
    janeiro fevereiro março maio junho julho setembro outubro dezembro segunda terça quarta
    quinta sexta sábado feira às
    """.split()
)

LANGUAGE_NAMES: frozenset[str] = frozenset(
    {
        "english", "русский", "中文", "简体中文", "繁體中文", "繁体中文", "deutsch",
        "français", "francais", "español", "espanol", "italiano", "português", "portugues",
        "nederlands", "polski", "українська", "türkçe", "العربية", "日本語", "한국어",
        "हिन्दी", "فارسی", "עברית", "ελληνικά", "svenska", "norsk", "dansk", "suomi",
        "čeština", "magyar", "română", "български", "srpski", "српски", "hrvatski",
        "bahasa indonesia", "tiếng việt", "ไทย", "қазақша", "беларуская", "ქართული",
        "հայերեն", "azərbaycanca", "o'zbekcha", "russian", "chinese", "german", "french",
        "spanish", "arabic", "japanese", "korean", "italian", "portuguese", "ukrainian",
        "turkish", "persian", "hebrew", "hindi",
    }
)
# fmt: on
