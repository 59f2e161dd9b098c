"""The front page's chart: matches per day per term, as inline SVG (no script, no library).

One stacked bar per day, one colour per term; each segment links to the front page
filtered by that term and day, and says its count in a ``<title>`` tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from markupsafe import Markup, escape

__all__ = ["render_chart", "term_colours"]

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777",
           "#65a30d", "#475569", "#ea580c")  # fmt: skip
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 900, 180, 32, 22, 8


def term_colours(terms: Sequence[str]) -> dict[str, str]:
    """A colour per term, in the order given (the config's), repeating after ten."""
    return {term: PALETTE[i % len(PALETTE)] for i, term in enumerate(terms)}


def render_chart(
    days: Sequence[str], counts: Mapping[str, Mapping[str, int]], colours: Mapping[str, str]
) -> Markup:
    """An ``<svg>`` of stacked daily bars for ``days`` (oldest first); ``counts`` is
    term -> day -> matches."""
    totals = [sum(c.get(day, 0) for c in counts.values()) for day in days]
    top = max([*totals, 1])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 12) / max(len(days), 1)  # 12: room for the last date
    parts = [
        Markup(
            '<svg class="chart" role="img" viewBox="0 0 %d %d" width="100%%" '
            'preserveAspectRatio="xMidYMid meet" aria-label="matches per day per term, '
            'last %d days">'
        )
        % (WIDTH, HEIGHT, len(days))
    ]
    for tick in sorted({0, top // 2, top}):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(
            Markup('<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>'
                   '<text class="axis" x="%d" y="%.1f" text-anchor="end">%d</text>')
            % (LEFT, WIDTH, y, y, LEFT - 4, y + 4, tick)
        )  # fmt: skip
    for i, day in enumerate(days):
        x, y = LEFT + i * slot + slot * 0.15, TOP + plot_h
        for term, colour in colours.items():
            n = counts.get(term, {}).get(day, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            href = "?" + urlencode({"term": term, "day": day})
            parts.append(
                Markup('<a href="%s"><rect class="bar" data-term="%s" data-day="%s" '
                       'data-count="%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" '
                       'fill="%s"><title>%s %s: %d</title></rect></a>')
                % (href, term, day, n, x, y, slot * 0.7, h, colour, day, term, n)
            )  # fmt: skip
        if i % 5 == 4 or i == len(days) - 1:
            parts.append(
                Markup('<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>')
                % (LEFT + i * slot + slot / 2, HEIGHT - 6, escape(day[5:]))
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
