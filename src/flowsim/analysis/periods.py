"""Split a results calendar into the periods a comparison reports on.

A period spec is ``"run"`` (the whole run), ``"year"``, ``"month"`` or an inclusive range of
months ``"2025-01/2030-12"`` (``"2025/2030"`` means whole years). Period labels are strings:
``"2025-01/2030-12"`` for a run or range, ``"2025"`` for a year, ``"2025-03"`` for a month.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from flowsim.errors import ResultsError

#: Period specs other than a range of months.
PERIOD_KINDS: tuple[str, ...] = ("run", "year", "month")

_RANGE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?\s*/\s*(\d{4})(?:-(\d{1,2}))?\s*$")


def split_calendar(calendar: Sequence[pd.Timestamp], period: str) -> dict[str, list[pd.Timestamp]]:
    """Group the months of a results calendar into labelled periods.

    Args:
        calendar: The months present in the results (first of month), in any order.
        period: ``"run"``, ``"year"``, ``"month"`` or a range such as ``"2025-01/2030-12"``.

    Returns:
        Period label -> its months in order; periods are in calendar order.

    Raises:
        ResultsError: The period spec is not understood, or a range holds no month of the
            results.
    """
    months = sorted({pd.Timestamp(m) for m in calendar})
    if not months:
        return {}
    if period == "run":
        return {_range_label(months[0], months[-1]): months}
    if period == "year":
        return _group(months, lambda m: f"{m.year:04d}")
    if period == "month":
        return _group(months, lambda m: f"{m:%Y-%m}")
    start, end = parse_range(period)
    inside = [m for m in months if start <= m <= end]
    if not inside:
        raise ResultsError(
            f"period {period!r} holds no month of the results "
            f"(they cover {_range_label(months[0], months[-1])})"
        )
    return {_range_label(start, end): inside}


def parse_range(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Parse ``"YYYY-MM/YYYY-MM"`` (or ``"YYYY/YYYY"``) into its first and last month.

    Raises:
        ResultsError: The text is neither a period kind nor a valid range.
    """
    match = _RANGE.match(period) if isinstance(period, str) else None
    if not match:
        raise ResultsError(
            f"unknown period {period!r} (allowed: {', '.join(PERIOD_KINDS)}, "
            "or a range of months such as 2025-01/2030-12)"
        )
    y0, m0, y1, m1 = match.groups()
    try:
        start = pd.Timestamp(year=int(y0), month=int(m0 or 1), day=1)
        end = pd.Timestamp(year=int(y1), month=int(m1 or 12), day=1)
    except ValueError as exc:
        raise ResultsError(f"period {period!r}: {exc}") from exc
    if end < start:
        raise ResultsError(f"period {period!r} ends before it starts")
    return start, end


def _range_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%Y-%m}/{end:%Y-%m}"


def _group(months: list[pd.Timestamp], key) -> dict[str, list[pd.Timestamp]]:
    groups: dict[str, list[pd.Timestamp]] = {}
    for month in months:
        groups.setdefault(key(month), []).append(month)
    return groups
