"""Bar charts as inline SVG, drawn on the server: no chart library, nothing fetched by the browser."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 44, 46, 14
BAR_COLOUR = "#1f5fa8"


def _tick(value: float, percent: bool) -> str:
    return f"{value * 100:.0f}%" if percent else f"{value:g}"


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float | None], percent: bool = False
) -> str:
    """One bar per label (None: no data, no bar); percent values are shares from 0 to 1."""
    plot_width, plot_height = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    known = [value for value in values if value is not None]
    top = 1.0 if percent else max([*known, 1])
    slot = plot_width / max(len(values), 1)
    every = max(1, round(len(labels) / 12))  # at most about 12 labels under the axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_height * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="13" text-anchor="end">'
            f"{escape(_tick(top * fraction, percent))}</text>"
        )
    for position, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + position * slot
        if value is not None:
            height = plot_height * (value / top if top else 0)
            shown = escape(_tick(value, percent))
            parts.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_height - height:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}" fill="{BAR_COLOUR}">'
                f"<title>{escape(label)}: {shown}</title></rect>"
            )
        if (len(labels) - 1 - position) % every == 0:  # counted from the end: the latest is always named
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="12" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
