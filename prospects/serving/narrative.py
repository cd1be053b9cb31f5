"""A plain-language sentence or three that names the strongest factors."""

from __future__ import annotations

from prospects.serving.confidence import Confidence
from prospects.serving.explain import Factor


def _format_value(value: float | None) -> str:
    if value is None:
        return "n/a"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def _phrase(factors: list[Factor]) -> str:
    parts = [f"{f.label} ({_format_value(f.value)})" for f in factors]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def narrate(
    name: str,
    role: str,
    probability: float,
    confidence: Confidence,
    pro: list[Factor],
    con: list[Factor],
) -> str:
    """E.g. "Ana Ortiz (SS, hitter) has a 41% chance … Working for: … Working against: …"."""
    text = [
        f"{name} ({role}) has a {probability:.0%} chance of MLB success "
        f"(more than 500 PA or 100 IP within 4 years); confidence is {confidence.level}"
        f" ({'; '.join(confidence.reasons)})."
    ]
    if pro:
        text.append(f"Working for: {_phrase(pro)}.")
    if con:
        text.append(f"Working against: {_phrase(con)}.")
    return " ".join(text)
