"""Small SVG charts, drawn on the server: horizontal bars (optionally stacked), columns, a timeline.

The charts need no script and no library: they are plain SVG with a title
and a description for screen readers, every text escaped, and sizes that
scale with the page (``viewBox`` and ``width="100%"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

PALETTE = ("#1a6b4f", "#d4a72c", "#2a81cb", "#b5485d", "#6f5aa8", "#8a8f98")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass
class Bar:
    """One bar: its label, its parts' values (one value for a plain bar), and an optional link."""

    label: str
    values: list[float]
    href: str | None = None
    parts: list[str] = field(default_factory=list)


def _open(width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" {FONT}>',
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if value == int(value) else f"{value:.1f}"


def bars(items: list[Bar], title: str, description: str, legend: list[str] | None = None, width: int = 720) -> Markup:
    """Horizontal bars, one per item, stacked when an item has several values (in ``legend``'s order)."""
    label_width, row, top = 210, 22, 8 + (22 if legend else 0)
    height = top + row * len(items) + 10
    longest = max((sum(item.values) for item in items), default=0) or 1
    scale = (width - label_width - 60) / longest
    out = _open(width, height, title, description)
    if legend:
        x = label_width
        for index, name in enumerate(legend):
            out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>')
            out.append(f'<text x="{x + 16}" y="16">{escape(name)}</text>')
            x += 24 + 7 * len(name)
    for position, item in enumerate(items):
        y = top + position * row
        label = escape(item.label if len(item.label) <= 32 else item.label[:31] + "…")
        text = f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{label}</text>'
        out.append(f'<a href="{escape(item.href)}">{text}</a>' if item.href else text)
        x = label_width
        for index, value in enumerate(item.values):
            length = value * scale
            part = (legend or [""])[index] if legend else ""
            tip = f"{item.label}{' — ' + part if part else ''}: {_number(value)}"
            out.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{max(length, 0):.1f}" height="{row - 6}" fill="{PALETTE[index % len(PALETTE)]}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            x += length
        out.append(f'<text x="{x + 4:.1f}" y="{y + 15}" fill="#59636e">{_number(sum(item.values))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def columns(items: list[tuple[str, float]], title: str, description: str, width: int = 720, height: int = 240) -> Markup:
    """Vertical columns (years on the axis), each labelled with its value."""
    out = _open(width, height, title, description)
    if not items:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">—</text></svg>')
        return Markup("".join(out))
    bottom, left = height - 24, 10
    highest = max(v for _, v in items) or 1
    step = (width - 2 * left) / len(items)
    for index, (label, value) in enumerate(items):
        tall = (bottom - 24) * value / highest
        x = left + index * step
        out.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{bottom - tall:.1f}" width="{step * 0.7:.1f}" height="{tall:.1f}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
        )
        out.append(f'<text x="{x + step / 2:.1f}" y="{bottom - tall - 4:.1f}" text-anchor="middle">{_number(value)}</text>')
        out.append(f'<text x="{x + step / 2:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#59636e">{escape(label)}</text>')
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{width - left}" y2="{bottom}" stroke="#d1d9e0"/></svg>')
    return Markup("".join(out))


def timeline(items: list[tuple[str, str, str, str | None]], title: str, description: str, width: int = 720) -> Markup:
    """A vertical timeline: (date, kind, label, link) in date order, one row each, a dot coloured by kind."""
    row, top = 24, 10
    height = top + row * len(items) + 10
    kinds = sorted({kind for _, kind, _, _ in items})
    out = _open(width, height, title, description)
    out.append(f'<line x1="96" y1="{top}" x2="96" y2="{height - 10}" stroke="#d1d9e0" stroke-width="2"/>')
    for index, (date, kind, label, href) in enumerate(items):
        y = top + index * row + 12
        colour = PALETTE[kinds.index(kind) % len(PALETTE)]
        out.append(f'<text x="86" y="{y + 4}" text-anchor="end" fill="#59636e">{escape(date)}</text>')
        out.append(f'<circle cx="96" cy="{y}" r="5" fill="{colour}"><title>{escape(kind)}</title></circle>')
        text = f'<text x="108" y="{y + 4}">{escape(label if len(label) <= 90 else label[:89] + "…")}</text>'
        out.append(f'<a href="{escape(href)}">{text}</a>' if href else text)
    out.append("</svg>")
    return Markup("".join(out))
