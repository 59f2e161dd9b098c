"""The boilerplate filter alone: furniture lines go, article sentences stay."""

from __future__ import annotations

import pytest

from monitor.cleaner.boilerplate import is_furniture, is_sentence, remove_boilerplate

BODY = [
    "Russia and China signed an agreement on Tuesday to build a second gas pipeline.",
    "Analysts said the deal would take years to deliver gas to Chinese customers.",
]

FURNITURE = {
    "reply-heading": "Leave a Reply",
    "leave-comment": "Leave a Comment",
    "cancel-reply": "Cancel reply",
    "email-notice": "Your email address will not be published. Required fields are marked *",
    "save-name": "Save my name, email, and website in this browser for the next time I comment.",
    "notify": "Notify me of follow-up comments by email.",
    "post-comment": "Post Comment",
    "zero-comments": "0 Comments",
    "disqus": "comments powered by Disqus",
    "switcher-glued-en": "en_USEnglish",
    "switcher-glued-ru": "ru_RUРусский",
    "switcher-row": "English Русский 中文",
    "switcher-codes": "EN | RU | ZH",
    "select-language": "Select Language",
    "google-translate": "Powered by Google Translate",
    "share-this": "Share this:",
    "click-to-share": "Click to share on X (Opens in new window)",
    "like-share": "Like this story? Share it",
    "related-posts": "Related Posts",
    "may-also-like": "You may also like",
    "read-more": "Read more: Markets rally as central bank holds rates",
    "dont-miss": "DON'T MISS",
    "cookies": "We use cookies to improve your experience on our site.",
    "newsletter": "Sign up for our newsletter",
    "copyright": "© 2024 Example Media. All rights reserved.",
    "photo-credit": "Photo: Reuters",
    "ru-reply": "Ваш адрес email не будет опубликован. Обязательные поля помечены *",
    "ru-related": "Читайте также",
    "zh-reply": "发表评论",
    "zh-email": "您的电子邮箱地址不会被公开。 必填项已用*标注",
    "de-reply": "Schreibe einen Kommentar",
    "de-email": "Deine E-Mail-Adresse wird nicht veröffentlicht.",
    "fr-reply": "Laisser un commentaire",
    "fr-email": "Votre adresse e-mail ne sera pas publiée.",
    "es-reply": "Deja una respuesta",
    "es-email": "Tu dirección de correo electrónico no será publicada.",
    "shouted-teaser": "SEAN SPICER ELIMINATED FROM THE DANCE SHOW AFTER TEN WEEKS",
    "tagged-teaser": "Plane passengers quarantined after outbreak [NEWS]",
}

LOOKALIKES = {
    "reply-to-comment": "The ministry did not reply to a request for comment.",
    "shares-fell": "Shares in Gazprom fell 3%.",
    "english-edition": "The English-language edition of the newspaper carried the story.",
    "subscribers": "Subscribers to the service will receive the text next week.",
    "ru-comment": "В министерстве не ответили на запрос о комментарии.",
    "de-comment": "Das Ministerium antwortete nicht auf eine Bitte um einen Kommentar.",
    "fr-comment": "Le ministère n'a pas répondu à une demande de commentaire.",
    "es-comment": "El ministerio no respondió a una solicitud de comentarios.",
    "share-views": "Voters who want to share their views can leave a comment at polling stations.",
    "related-posts-sentence": "Related posts on social media were removed after the vote.",
    "de-more-from-sentence": "Mehr aus der Region lesen Sie in unserer Ausgabe von morgen.",
    "newsletter-sentence": "The ministry announced the change in its weekly newsletter.",
    "close-sentence": "The ministry will close the border crossing on Friday.",
    "imported-sentence": "Most of the gas is imported from Russia through two pipelines.",
}

# Seen on trafilatura's evaluation set (dev pages), in the middle of the article text.
MID_ARTICLE_FURNITURE = {
    "de-read-here": "Lesen Sie hier: Spielabbruch in der Kreisliga zwischen zwei Mannschaften",
    "de-more-topics": "Mehr Themen:",
    "de-more-from": "Mehr aus Thüringen",
    "es-may-interest": "Le puede interesar: JEP abrirá tres nuevos macrocasos",
    "pl-read-also": "Czytaj też:",
    "pt-read-also": "Leia também",
    "credit-in-parens": "(Credit: Jane Doe / Example Agency)",
    "de-last-change": "Letzte Änderung 14.02.2019",
    "de-contact": "Pressekontakt",
    "read-also-question": "Read also: Will the central bank cut rates again this year?",
    "es-may-see": "PUEDES VER: ¿Qué es la Sunedu y para qué sirve?",
    "de-topics": "Themen: Kritik aus dem Internet, Neue Prognosen, Impfstoffzulassungen",
    "newsletter-box": "Example Gamer Newsletter",
    "es-cancel-anytime": "Tú también puedes apoyar el periodismo. Cancela cuando quieras.",
    "php-warning": "Warning: Creating default object from empty value in /www/x.php on line 407",
    "newsletter-sentence": "Never miss the latest news by signing up to our newsletter today!",
    "paywall": "To view the full story, please subscribe to The Example Times.",
    "disclosure": "This post contains references to products from one of our advertisers.",
    "de-affiliate": "Letzte Aktualisierung am 2.02.2022 / Bei den Verlinkungen handelt es sich "
    "um Affiliate Links",
    "de-javascript": "JavaScript ist deaktiviert. Für eine bessere Darstellung aktiviere bitte "
    "JavaScript in deinem Browser, bevor du fortfährst.",
    "old-browser": "You are using an outdated browser. Please upgrade it to view this site.",
    "media-playback": "Media playback is unsupported on your device",
    # Controls of a news page's player, captions and layout, shown as text
    "continue-reading": "Continue reading the main story",
    "caption-toggle": "Show Caption Hide Caption",
    "continues-below": "Story continues below advertisement",
    "ad-feedback": "Ad Feedback",
    "listen": "Listen to this article",
    "skip-link": "Skip to main content",
    "de-skip-link": "Zum Inhalt springen",
    "de-to-top": "Zum Seitenanfang",
    "paywall-counter": "You have reached your limit of free articles.",
    "imported-embed": "This content is imported from Twitter. You may be able to find the same "
    "content in another format, or you may be able to find more information, at their web site.",
}


@pytest.mark.parametrize("line", FURNITURE.values(), ids=FURNITURE.keys())
def test_furniture_line_removed_before_and_after_body(line: str) -> None:
    assert remove_boilerplate([line, *BODY, line]) == BODY


@pytest.mark.parametrize("line", MID_ARTICLE_FURNITURE.values(), ids=MID_ARTICLE_FURNITURE.keys())
def test_furniture_line_removed_mid_article(line: str) -> None:
    assert remove_boilerplate([BODY[0], line, BODY[1]]) == BODY


@pytest.mark.parametrize("line", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_sentence_with_form_words_kept_anywhere(line: str) -> None:
    for lines in ([line, *BODY], [BODY[0], line, BODY[1]], [*BODY, line]):
        assert remove_boilerplate(lines) == lines


def test_seed_tail_removed() -> None:
    tail = [
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "en_USEnglish",
    ]
    assert remove_boilerplate([*BODY, *tail]) == BODY


def test_headline_repeated_as_first_line_removed() -> None:
    title = "Pipeline deal signed as leaders meet in Beijing"
    assert remove_boilerplate([title, *BODY], title=title) == BODY


def test_byline_and_date_before_body_removed() -> None:
    lines = ["By Jane Doe", "Updated at 14:05, 3 May 2024", *BODY]
    assert remove_boilerplate(lines) == BODY


def test_headline_kept_for_plain_text() -> None:
    lines = ["Pipeline deal signed in Beijing", *BODY, "Leave a Reply"]
    assert remove_boilerplate(lines, headline_first=True) == lines[:-1]


def test_list_introduced_by_colon_kept_at_the_end() -> None:
    items = ["- bottled water", "- baby carrier", "- snack bars", "- camera"]
    lines = [*BODY, "Pack these for the hike:", *items]
    assert remove_boilerplate(lines) == lines


def test_long_list_at_the_end_kept() -> None:
    dates = [f"Oct. {day} -- Arena {day}, Houston, TX" for day in range(1, 20)]
    assert remove_boilerplate([*BODY, *dates]) == [*BODY, *dates]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Shares in Gazprom fell 3%.", True),
        ("Leave a Reply", False),
        ("| A sentence inside a table cell, as trafilatura writes it. |", True),
        ("俄罗斯总统普京在北京与中国国家主席习近平举行会谈。", True),
    ],
    ids=["short-sentence", "label", "table-cell", "chinese"],
)
def test_is_sentence(line: str, expected: bool) -> None:
    assert is_sentence(line) is expected


def test_blank_line_is_furniture() -> None:
    assert is_furniture("   ")


@pytest.mark.parametrize(
    "line",
    [
        "Updated at 1:23 p.m.",
        "segunda-feira, 22 de janeiro de 2018 às 0:13",
        "Published 3 May 2024, 14:05 GMT",
        "Обновлено 3 мая 2024 в 14:05",
        "2023-11-06",
        "31.10.2023 11:35",
    ],
)
def test_date_line_at_an_edge_removed(line: str) -> None:
    assert remove_boilerplate([line, *BODY, line]) == BODY


@pytest.mark.parametrize(
    "line",
    [
        "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
        "Listen to the programme live at 12:45 on weekdays - or listen back here.",
        "Subscribe to our channel on YouTube for more news:",
        "Get the magazine delivered through your letterbox every month.",
        "Tell us what YOU think...",
        "If you buy something through this post, we may get a share of the sale.",
        "Comments are moderated and will appear once approved by our editors.",
        "ATENÇÃO: Comentários ofensivos ou fora do tema não serão aprovados pelo moderador.",
    ],
)
def test_promo_sentence_at_the_end_removed(line: str) -> None:
    assert remove_boilerplate([*BODY, line]) == BODY
    assert remove_boilerplate([BODY[0], line, BODY[1]]) == [BODY[0], line, BODY[1]]


@pytest.mark.parametrize(
    "line", ["The talks continue.", "Putin declined.", "Xi agreed.", "Nobody was hurt."]
)
def test_short_closing_sentence_kept(line: str) -> None:
    """A story's last sentence is part of it, however short: with the reply form after it
    too, only the form goes."""
    assert remove_boilerplate([*BODY, line]) == [*BODY, line]
    assert remove_boilerplate([*BODY, line, "Leave a Reply", "AP contributed."]) == [*BODY, line]


SHORT_TAIL_FURNITURE = ["Comments are closed.", "Report an error.", "Staff writer.",
                        "Agence France-Presse.", "Thanks for reading!", "Got a tip?",
                        "Watch live.", "Show more.", "Privacy policy.",
                        "Story continues below."]  # fmt: skip


@pytest.mark.parametrize("line", SHORT_TAIL_FURNITURE)
def test_short_furniture_at_the_end_removed(line: str) -> None:
    assert remove_boilerplate([*BODY, line]) == BODY


def test_phone_number_and_table_of_dates_mid_article_kept() -> None:
    lines = [BODY[0], "02-751-1500", "3 May 2024", BODY[1]]
    assert remove_boilerplate(lines) == lines


def test_markup_names_shown_as_text_removed_words_with_a_hyphen_kept() -> None:
    """A page's breakpoint or widget names leaked as a list after the story; a
    hyphenated word is no markup name."""
    names = [f"- {n}" for n in ("narrow-browser-and-phone", "wide-browser-and-larger")]
    names += ["share_button", *(f"- {n}-tablet-and-below" for n in ("portrait", "landscape"))]
    names += [f"- {n}-browser-and-up" for n in ("small", "medium", "wide", "huge")]
    names += [f"- {n}-phone-only" for n in ("narrow", "wide", "small", "large", "tall")]
    assert len(names) > 12  # more than the edge run takes as fragments
    assert remove_boilerplate([*BODY, *names]) == BODY
    words = ["- built-in", "- long-range", "well-being"]
    assert remove_boilerplate([BODY[0], *words, BODY[1]]) == [BODY[0], *words, BODY[1]]


def test_author_bio_at_the_end_removed() -> None:
    bio = "Jane Doe is our energy correspondent and has covered Gazprom since 2015."
    lines = [*BODY, bio, "Follow her on X"]
    assert remove_boilerplate(lines, author="Jane Doe and John Roe") == BODY
    assert remove_boilerplate([*BODY, bio], author="Reuters") == [*BODY, bio]  # not a name


def test_a_last_sentence_about_the_author_stays_when_another_follows() -> None:
    line = "Jane Doe asked the ministry for the figures in March."
    lines = [BODY[0], line, BODY[1]]
    assert remove_boilerplate(lines, author="Jane Doe") == lines
