"""Split a results calendar into the periods a comparison reports on.

A period spec is ``"run"`` (the whole run), ``"year"``, ``"month"`` or an inclusive range of
months ``"2025-01/2030-12"`` (``"2025/2030"`` means whole years). Period labels are strings:
``"2025-01/2030-12"`` for a run or range, ``"2025"`` for a year, ``"2025-03"`` for a month.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from flowsim.calendar import PERIOD_GRAMMAR, month_date, parse_period
from flowsim.errors import ResultsError

#: Period specs other than a range of months.
PERIOD_KINDS: tuple[str, ...] = ("run", "year", "month")


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
    """Parse a range of months (grammar of :func:`flowsim.calendar.parse_period`).

    ``"2025-01/2030-12"``, ``"2025/2030"`` (whole years) or ``"2025-01:2030-12"``.

    Raises:
        ResultsError: The text is neither a period kind nor a valid range.
    """
    try:
        if not isinstance(period, str):
            raise ValueError(period)
        first, last = parse_period(period)
    except ValueError as exc:
        why = "ends before it starts" if "ends before" in str(exc) else "is not understood"
        raise ResultsError(
            f"unknown period {period!r}: {why} (allowed: {', '.join(PERIOD_KINDS)}, "
            f"or {PERIOD_GRAMMAR})"
        ) from None
    return pd.Timestamp(month_date(first)), pd.Timestamp(month_date(last))


def _range_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%Y-%m}/{end:%Y-%m}"


def _group(months: list[pd.Timestamp], key) -> dict[str, list[pd.Timestamp]]:
    groups: dict[str, list[pd.Timestamp]] = {}
    for month in months:
        groups.setdefault(key(month), []).append(month)
    return groups
