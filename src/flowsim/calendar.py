"""Month arithmetic: the model's clock counts whole months from a start month.

Months are written ``YYYY-MM`` in files and handled as integer month indices
(``year * 12 + month - 1``) inside the model.
"""

from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


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


def format_month(index: int) -> str:
    """Format an absolute month index as ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_date(index: int) -> date:
    """Return the first day of an absolute month index as a ``date``."""
    return date(index // 12, index % 12 + 1, 1)
