"""A bar chart as inline SVG, made on the server: no JavaScript, and readable by a screen reader.

``bar_chart`` is a pure function from labelled amounts to SVG markup. The SVG has ``role="img"``
and is named by its own ``<title>`` and described by its ``<desc>`` (``aria-labelledby`` and
``aria-describedby``), which the caller writes as a sentence that sums the figures up; the page
shows the same figures in a table next to it, so nobody depends on the picture. Every text in it
is escaped. Bars use the theme's colour with the text colour as fallback, and each bar carries its
amount as text, so no meaning hangs on colour alone. The chart reads left to right on
right-to-left pages too, like the numbers in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Drawing units of the viewBox; the SVG scales to the width of its container.
WIDTH = 720
HEIGHT = 320
MARGIN_TOP = 28
MARGIN_BOTTOM = 40
MARGIN_SIDE = 12
#: With more bars than this, only some months are labelled and the amounts are left to the table:
#: text would overlap, and the table has every figure anyway.
BARS_LABELLED_MAX = 24
BARS_MAX = 240
BAR_FILL = "var(--utrecht-button-primary-action-background-color, currentColor)"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value_cents: int
    #: The amount as the page writes it (``€ 1.234,56``).
    value_text: str


def bar_chart(bars: Sequence[Bar], *, identifier: str, title: str, description: str) -> Markup:
    """The SVG of one bar per item, in order; ``identifier`` keeps its ids unique on the page."""
    if len(bars) > BARS_MAX:
        raise ValueError(f"A chart shows at most {BARS_MAX} bars, not {len(bars)}.")
    if any(bar.value_cents < 0 for bar in bars):
        raise ValueError("A bar chart of paid amounts has no negative bars.")
    title_id, description_id = f"{identifier}-titel", f"{identifier}-beschrijving"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ontzorgen-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'aria-labelledby="{escape(title_id)}" aria-describedby="{escape(description_id)}" '
        f'style="direction: ltr" focusable="false">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(description_id)}">{escape(description)}</desc>',
    ]
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = MARGIN_TOP + plot_height
    parts.append(
        f'<line x1="{MARGIN_SIDE}" y1="{baseline}" x2="{WIDTH - MARGIN_SIDE}" y2="{baseline}" '
        'stroke="currentColor" stroke-width="1"/>'
    )
    if bars:
        highest = max(bar.value_cents for bar in bars) or 1
        slot = (WIDTH - 2 * MARGIN_SIDE) / len(bars)
        bar_width = slot * 0.7
        labelled_every = 1 if len(bars) <= BARS_LABELLED_MAX else -(-len(bars) // 12)
        for index, bar in enumerate(bars):
            height = plot_height * bar.value_cents / highest
            left = MARGIN_SIDE + index * slot + (slot - bar_width) / 2
            middle = left + bar_width / 2
            parts.append(
                f'<rect x="{left:.1f}" y="{baseline - height:.1f}" width="{bar_width:.1f}" '
                f'height="{height:.1f}" style="fill: {BAR_FILL}"/>'
            )
            if index % labelled_every == 0:
                parts.append(
                    f'<text x="{middle:.1f}" y="{baseline + 20}" text-anchor="middle" '
                    f'font-size="13" fill="currentColor">{escape(bar.label)}</text>'
                )
            if len(bars) <= BARS_LABELLED_MAX:
                parts.append(
                    f'<text x="{middle:.1f}" y="{baseline - height - 8:.1f}" '
                    f'text-anchor="middle" font-size="{12 if len(bars) <= 12 else 9}" '
                    f'fill="currentColor">{escape(bar.value_text)}</text>'
                )
    parts.append("</svg>")
    # Safe: every text and attribute value above went through ``escape``; the rest is our own.
    return Markup("".join(parts))  # noqa: S704
