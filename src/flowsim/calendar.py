"""Month arithmetic: the model's clock counts whole months from a start month.

Months are written ``YYYY-MM`` in files and handled as integer month indices
(``year * 12 + month - 1``) inside the model.
"""

from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: One side of a period: a year ``YYYY`` or a month ``YYYY-MM`` (``YYYY-M`` accepted).
_SIDE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")

#: The period grammar every command and reader shares, in words for error messages.
PERIOD_GRAMMAR = "YYYY, YYYY-MM, or a range START/END (or START:END) of those"


def parse_month(text: str) -> int:
    """Parse ``YYYY-MM`` into an absolute month index.

    Args:
        text: A month such as ``"2015-01"``.

    Returns:
        ``year * 12 + (month - 1)``.

    Raises:
        ValueError: If the text is not a valid ``YYYY-MM`` month.
    """
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month written YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def parse_period(text: str) -> tuple[int, int]:
    """Parse a period into its first and last month indices (inclusive).

    The one grammar of periods (``flowsim compare --period``, ``Results`` filters, report
    windows): ``YYYY`` (a whole year), ``YYYY-MM`` (one month), or ``START/END`` (also
    written ``START:END``) where each side is a year or a month; a year as START means its
    January, as END its December.

    Args:
        text: The period, e.g. ``"2025-01/2030-12"``, ``"2021"`` or ``"2025:2030"``.

    Returns:
        ``(first, last)`` absolute month indices.

    Raises:
        ValueError: If the text is not in the grammar, a month is not 1-12, or the
            period ends before it starts.
    """
    raw = str(text).strip()
    parts = re.split(r"\s*[/:]\s*", raw) if ("/" in raw or ":" in raw) else [raw]
    if len(parts) > 2 or not all(parts):
        raise ValueError(f"{text!r} is not a period (allowed: {PERIOD_GRAMMAR})")
    bounds = []
    for part in parts:
        m = _SIDE.match(part)
        if not m or (m.group(2) is not None and not 1 <= int(m.group(2)) <= 12):
            raise ValueError(f"{text!r} is not a period (allowed: {PERIOD_GRAMMAR})")
        year = int(m.group(1))
        if m.group(2) is None:
            bounds.append((year * 12, year * 12 + 11))
        else:
            month = year * 12 + int(m.group(2)) - 1
            bounds.append((month, month))
    first, last = bounds[0][0], bounds[-1][1]
    if last < first:
        raise ValueError(f"period {text!r} ends before it starts")
    return first, last


def format_month(index: int) -> str:
    """Format an absolute month index as ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_date(index: int) -> date:
    """Return the first day of an absolute month index as a ``date``."""
    return date(index // 12, index % 12 + 1, 1)
