"""Observed calibration targets: the packaged table and its period arithmetic.

``data/targets.csv`` holds one row per observed figure, copied from public sources with
their address (``source_url``), each with the observation that turns simulated tables into
the same quantity (``kind``, ``country``, ``route``, ``nationalities``; ``observation`` says
it in words). Columns:

- ``target_id``: unique, ``<family>|<place>|<period>``.
- ``group``: target group; the loss gives every group the same weight.
- ``period``: ``YYYY`` (calendar year), ``FYyyyy`` (US fiscal year, October to September),
  ``YYYY-MM`` (one month) or ``YYYY-MM/YYYY-MM`` (inclusive range).
- ``kind``: ``stock`` | ``route_crossings`` | ``border_encounters`` | ``deaths`` |
  ``intercepted`` | ``entries`` | ``returns`` | ``darien_secondary_share`` |
  ``arrivals_secondary_share`` | ``regularized`` | ``departures`` | ``attempts`` (see
  ``observe``).
- ``from_country``, ``mode``: optional filters of ``entries``, ``attempts`` and
  ``returns`` (ISO3 of the country left; ``land``/``sea``/``air``), empty = any.
- ``nationalities``: ``*`` (all), ISO3 codes separated by spaces, or ``~`` followed by
  codes (all but those).
- ``weight``: weight inside the group; 0 = reported in the fit, not fitted.
- ``obs_error``: observation error, how far the source itself can be off, as a relative
  standard deviation (0.1 = the true value is within about 10% of the figure); history
  matching uses ``log(1 + obs_error)`` as the standard deviation on the log scale.
- ``low``, ``high`` (optional, empty = ``value``): the interval the modelled quantity
  should lie in when the source's figure counts people the model does not have, so only
  bounds follow from it (Mexico's airport entries count round-trip travellers: the
  migrants among them are at most all of them and at least the entries less a traveller
  level the source's earlier years bound), or when the source gives only a lower bound
  ("over 100,000": ``low`` empty, ``high`` = ``inf``). ``0 <= low <= value <= high``, ``low``
  finite; the loss and the implausibility measure the distance to the interval, 0 inside
  (``flowsim.calibration.loss``).

One column is derived, not read: ``unmodelled``, the people the source counts whom the
model does not simulate, added to the simulated value by the observation
(``flowsim.calibration.observe``). It is non-zero only on ``route_crossings`` rows of every
nationality (``*``) or all but some (``~...``): the crossings of that route in the target's
period by the people of the world's ``outside_crossings.csv`` (``unmodelled_people``), e.g.
the Africans and Asians in Panama's Darien totals. They are an input, as in route
knowledge; without them a total of everyone would be compared with the five modelled
nationalities alone.

Only periods ending by 2021-12 are targets; later years are kept for validation.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calendar import month_date, parse_period
from flowsim.world import World, default_world, outside_flow, route_mask, year_layer

#: Last month a target may cover (later data are kept out for validation).
LAST_TARGET_MONTH = date(2021, 12, 1)

#: Observation kinds understood by ``flowsim.calibration.observe``.
KINDS: tuple[str, ...] = (
    "stock",
    "route_crossings",
    "border_encounters",
    "deaths",
    "intercepted",
    "entries",
    "attempts",
    "returns",
    "darien_secondary_share",
    "arrivals_secondary_share",
    "regularized",
    "departures",
)

#: Columns a table may omit (older tables): filled with these values.
OPTIONAL_COLUMNS: dict[str, str] = {
    "from_country": "",
    "mode": "",
    "obs_error": "0.1",
    "low": "",
    "high": "",
}

TARGET_COLUMNS: tuple[str, ...] = (
    "target_id",
    "group",
    "indicator",
    "place",
    "period",
    "value",
    "unit",
    "kind",
    "country",
    "from_country",
    "mode",
    "route",
    "nationalities",
    "weight",
    "obs_error",
    "low",
    "high",
    "observation",
    "source_url",
)

#: Columns ``load_targets`` derives (never read from the table): ``unmodelled``.
DERIVED_COLUMNS: tuple[str, ...] = ("unmodelled",)

#: Columns of words, not read by any observation or loss: what a target is called, its unit,
#: the observation written out and the source.
TEXT_COLUMNS: tuple[str, ...] = ("indicator", "place", "unit", "observation", "source_url")


def month_index(d: date) -> int:
    """Return the absolute month index ``year * 12 + month - 1`` of a date."""
    return d.year * 12 + d.month - 1


def fiscal_year(d: date) -> int:
    """Return the US fiscal year of a month: October 2019 belongs to FY2020."""
    return d.year + 1 if d.month >= 10 else d.year


def period_bounds(period: str) -> tuple[date, date]:
    """Return the first and last month (first days) of a target period.

    The project's period grammar (:func:`flowsim.calendar.parse_period`: ``YYYY``,
    ``YYYY-MM``, ``START/END``) plus the US fiscal year ``FYyyyy`` (October to September).

    Args:
        period: ``YYYY``, ``FYyyyy``, ``YYYY-MM`` or ``YYYY-MM/YYYY-MM``.

    Returns:
        ``(first, last)``, both inclusive.

    Raises:
        ValueError: If the period is not in one of these forms.
    """
    text = period.strip()
    if text.startswith("FY") and text[2:].isdigit() and len(text) == 6:
        fy = int(text[2:])
        return date(fy - 1, 10, 1), date(fy, 9, 1)
    first, last = parse_period(text)
    return month_date(first), month_date(last)


def parse_nationalities(spec: str) -> tuple[bool, frozenset[str]]:
    """Parse a ``nationalities`` cell.

    Args:
        spec: ``*``, ``"VEN"``, ``"GTM HND SLV"`` or ``"~MEX GTM HND SLV"``.

    Returns:
        ``(exclude, codes)``: with ``exclude`` true the selection is every nationality but
        ``codes``; ``*`` is ``(True, frozenset())``.
    """
    text = spec.strip()
    if text in ("", "*"):
        return True, frozenset()
    if text.startswith("~"):
        return True, frozenset(text[1:].split())
    return False, frozenset(text.split())


def default_targets_path() -> Path:
    """Return the path of the packaged ``targets.csv``."""
    return Path(str(resources.files("flowsim") / "data" / "targets.csv"))


def unmodelled_people(
    targets: pd.DataFrame, outside: pd.DataFrame, routes: pd.DataFrame | None = None
) -> np.ndarray:
    """People each target's source counts whom the model does not simulate.

    Args:
        targets: Target rows (``kind``, ``route``, ``nationalities``, ``period``).
        outside: An ``outside_crossings.csv`` table (``route``, ``year``,
            ``people_per_year``); a row names a route by id or by name.
        routes: The world's ``routes.csv`` (``route_id``, ``name``), to match a route
            named one way in the targets and the other in ``outside``; without it the two
            must write it alike.

    Returns:
        For a ``route_crossings`` row of every nationality (``*``) or of all but some
        (``~...``; the outsiders are none of the modelled nationalities), the outside
        crossings of its route over its period, each year's people spread evenly over its
        twelve months, read as route knowledge reads them (``flowsim.world.outside_flow``
        and ``year_layer``, shared with ``flowsim.model.knowledge``): a year after the
        table's last holds the last year's people, a year before its first has none, and a
        route without a row in one of the table's years has none that year. 0 for every
        other row.
    """
    out = np.zeros(len(targets))
    if outside is None or len(outside) == 0:
        return out
    if routes is None or len(routes) == 0:  # refs must then be written alike
        refs = {str(r) for r in outside["route"]} | {str(r) for r in targets["route"]}
        ids = names = sorted(refs)
    else:
        ids, names = list(routes["route_id"].astype(str)), list(routes["name"].fillna(""))
    years, _, flow = outside_flow(outside, ids, names)
    people = flow.sum(axis=0)  # [year, route], every network
    rows = zip(
        targets["kind"], targets["route"], targets["nationalities"], targets["period"], strict=True
    )
    for i, (kind, route, nats, period) in enumerate(rows):
        if kind != "route_crossings" or not parse_nationalities(str(nats))[0]:
            continue
        per_year = people[:, route_mask(ids, names, str(route))].sum(axis=1)
        first, last = (month_index(d) for d in period_bounds(str(period)))
        for m in range(first, last + 1):
            k = year_layer(years, m // 12)
            if k >= 0:
                out[i] += per_year[k] / 12.0
    return out


def load_targets(path: str | Path | None = None, world: World | None = None) -> pd.DataFrame:
    """Read and check a targets table.

    Args:
        path: CSV with ``TARGET_COLUMNS``; the packaged table when omitted.
        world: The world whose ``outside_crossings.csv`` gives ``unmodelled``; the
            packaged one when omitted.

    Returns:
        The table with ``value``, ``weight``, ``obs_error``, ``low`` and ``high`` as floats
        (empty bounds filled with ``value``), the string columns filled and the derived
        ``unmodelled`` column.

    Raises:
        ValueError: On missing columns, duplicate ids, unknown kinds, bad bounds, bad
            periods or a period after ``LAST_TARGET_MONTH``.
    """
    frame = pd.read_csv(path or default_targets_path(), dtype=str, keep_default_na=False)
    for column, default in OPTIONAL_COLUMNS.items():
        if column not in frame.columns:
            frame[column] = default
    missing = [c for c in TARGET_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"targets table lacks columns: {', '.join(missing)}")
    frame = frame[list(TARGET_COLUMNS)].copy()
    frame["value"] = frame["value"].astype(float)
    frame["weight"] = frame["weight"].astype(float)
    frame["obs_error"] = frame["obs_error"].astype(float)
    if (frame["obs_error"] < 0).any():
        raise ValueError("obs_error must be >= 0 (a relative standard deviation)")
    dup = frame["target_id"][frame["target_id"].duplicated()].tolist()
    if dup:
        raise ValueError(f"duplicate target ids: {', '.join(dup)}")
    infinite = frame["target_id"][~np.isfinite(frame["value"].to_numpy())].tolist()
    if infinite:
        raise ValueError(f"target {infinite[0]}: value must be a finite number")
    for column in ("low", "high"):
        given = frame[column].str.strip()
        unbounded = (given == "inf") if column == "high" else np.zeros(len(frame), dtype=bool)
        numbers = pd.to_numeric(given.where(~unbounded, ""), errors="coerce")
        not_finite = (given != "") & ~unbounded & ~np.isfinite(numbers.to_numpy(dtype=float))
        bad_cells = frame["target_id"][not_finite].tolist()
        if bad_cells:
            allowed = "a finite number" + (", inf (no upper bound)" if column == "high" else "")
            raise ValueError(
                f"target {bad_cells[0]}: {column} must be {allowed} or empty (= value), "
                f"not {frame.loc[frame['target_id'] == bad_cells[0], column].iloc[0]!r}"
            )
        frame[column] = numbers.fillna(frame["value"]).astype(float).where(~unbounded, np.inf)
    outside = frame["target_id"][
        (frame["low"] > frame["value"]) | (frame["value"] > frame["high"]) | (frame["low"] < 0)
    ].tolist()
    if outside:
        raise ValueError(
            f"target {outside[0]}: low and high must satisfy 0 <= low <= value <= high"
        )
    bad = sorted(set(frame["kind"]) - set(KINDS))
    if bad:
        raise ValueError(f"unknown target kinds {bad} (allowed: {', '.join(KINDS)})")
    for period in frame["period"]:
        if period_bounds(period)[1] > LAST_TARGET_MONTH:
            raise ValueError(f"target period {period} is after {LAST_TARGET_MONTH:%Y-%m}")
    return with_unmodelled(frame.reset_index(drop=True), world)


def with_unmodelled(targets: pd.DataFrame, world: World | None = None) -> pd.DataFrame:
    """Return ``targets`` with the ``unmodelled`` column of ``world`` (packaged if omitted).

    Runs of another world are observed against that world's outsiders: ``load_targets``
    computes the column for the packaged world, and whoever runs another recomputes it.
    """
    if world is None:
        world = default_world()
    out = targets.copy()
    out["unmodelled"] = unmodelled_people(targets, world.outside_crossings, world.routes)
    return out
