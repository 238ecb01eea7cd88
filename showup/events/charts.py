"""Small server-side SVG charts: horizontal 100% stacked bars, one row per event or month.

Plain data in, an SVG string out; no JavaScript, no inline `style` attributes (the
Content-Security-Policy forbids them): colours and sizes are SVG presentation attributes
(`fill=`, `font-size=`), which the policy allows. The chart is `role="img"` with a `<title>`
and a `<desc>` that say what it shows, and each bar segment carries its own `<title>` with the
count and the share; pages print the same numbers in a table beside it for screen readers and
for reading without the picture.

Colours: each segment colour has at least 4.5:1 contrast with white (the labels inside the bars
are white, and the bars stand out from the page's white background, WCAG 1.4.3 and 1.4.11);
blue, brown and red stay apart for the common colour-vision deficiencies, and the legend and
the labels name every segment, so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

WIDTH = 360  # the viewBox's width: a phone's width in CSS pixels, scaled by the page
LABEL_HEIGHT = 18
BAR_HEIGHT = 26
ROW_GAP = 10
LEGEND_HEIGHT = 28
FONT_SIZE = 13
MIN_LABELLED = 34  # narrower segments carry their numbers only in their <title> and the table


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    fill: str  # contrast >= 4.5:1 with white


@dataclass(frozen=True)
class Row:
    label: str
    values: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.values.values())


# Yes / somewhat / no: contrast with white 8.6:1, 6.0:1 and 6.5:1.
ANSWER_FILLS = {"yes": "#1d4f91", "somewhat": "#8a5200", "no": "#b3261e"}


def percent(part: int, whole: int) -> int:
    """A whole percentage, rounded half up (what a person reading the table expects)."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def _text(x: float, y: float, body: str, **attrs: str) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(v)}" for name, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(body)}</text>'


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    rows: Sequence[Row],
    answers_label: str = "{n} answers",
) -> SafeString:
    """A 100% stacked horizontal bar per row with its label above it, and a legend.

    `answers_label` is a translated pattern with `{n}`, shown after each row's label. Rows with
    no answers are drawn as an empty outlined bar."""
    height = LEGEND_HEIGHT + len(rows) * (LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(chart_id)} class="chart"'
        f' role="img" aria-labelledby="{title_id} {desc_id}"'
        f' viewBox="0 0 {WIDTH} {height}" width="100%" font-size="{FONT_SIZE}"'
        ' font-family="system-ui, sans-serif">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    # Legend: a swatch and a name per series.
    x = 0.0
    out.append('<g class="legend">')
    for s in series:
        out.append(f'<rect x="{x:.1f}" y="4" width="14" height="14" fill="{s.fill}" rx="2"></rect>')
        out.append(_text(x + 19, 16, s.label, fill="currentColor"))
        x += 19 + 8.5 * len(s.label) + 14
    out.append("</g>")
    y = float(LEGEND_HEIGHT)
    for row in rows:
        total = row.total
        out.append("<g>")
        out.append(
            _text(0, y + 13, f"{row.label} · {answers_label.format(n=total)}", fill="currentColor")
        )
        bar_y = y + LABEL_HEIGHT
        if total == 0:
            out.append(
                f'<rect x="0.5" y="{bar_y + 0.5:.1f}" width="{WIDTH - 1}"'
                f' height="{BAR_HEIGHT - 1}" fill="none" stroke="#4a4a4a"></rect>'
            )
        x = 0.0
        for s in series:
            value = row.values.get(s.key, 0)
            if not value:
                continue
            share = percent(value, total)
            w = WIDTH * value / total
            tip = f"{row.label}: {s.label} {value} / {total} ({share}%)"
            out.append(
                f'<rect x="{x:.2f}" y="{bar_y:.1f}" width="{w:.2f}" height="{BAR_HEIGHT}"'
                f' fill="{s.fill}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(tip)}</title></rect>"
            )
            if w >= MIN_LABELLED:
                label = f"{value} ({share}%)" if w >= 70 else str(value)
                out.append(_text(x + 6, bar_y + 18, label, fill="#ffffff", font_weight="700"))
            x += w
        out.append("</g>")
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    out.append("</svg>")
    # Reviewed for bandit B308/B703: every text above goes through escape() or quoteattr(),
    # and the numbers and fills are ours (test_feedback_results checks the escaping).
    return mark_safe("".join(out))  # nosec B308 B703
