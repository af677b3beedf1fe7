"""Least-cost journeys between every pair of countries, per nationality.

A journey follows the route sequence minimising a generalised cost (money relative to a
reference budget, death risk and time) over the routes open to that nationality this month.
Tables are recomputed only when the set of open routes changes (a visa imposed, a route
closed), which happens a handful of times per run. With ~25 nodes, Floyd-Warshall in numpy
takes well under a millisecond per nationality.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from flowsim.world.compiled import WorldIndex


@dataclass(frozen=True)
class PathTables:
    """Journey tables indexed ``[nationality, from, to]`` (or ``[from, to]`` for pathways)."""

    next_edge: np.ndarray  # int16 [N, L, L]: first route of the journey, -1 unreachable/same
    cost: np.ndarray  # float32 USD [N, L, L]
    risk: np.ndarray  # float32 probability of dying on the journey [N, L, L]
    stopped: np.ndarray  # float32 probability of being intercepted or turned back [N, L, L]
    months: np.ndarray  # float32 [N, L, L]
    km: np.ndarray  # float32 journey length, km [N, L, L]
    unknown: np.ndarray  # float32 sum of the routes' unknown shares [N, L, L]
    kin_unknown: np.ndarray  # float32 the same sum as kin who pay smugglers know it [N, L, L]
    legs: np.ndarray  # int8 number of routes on the journey [N, L, L]
    irregular: np.ndarray  # int8 number of irregular (not legal) routes on the journey [N, L, L]
    legal_entry: np.ndarray  # bool: the journey's last route is legal (entry on a legal route)
    reachable: np.ndarray  # bool [N, L, L]


def edge_weights(
    w: WorldIndex,
    budget_usd: float,
    b_cost: float,
    b_risk: float,
    b_time: float,
    b_leg: float = 0.0,
    cost: np.ndarray | None = None,
) -> np.ndarray:
    """Generalised cost of each route (the quantity journeys minimise).

    ``cost`` is each route's price this month (``Effects.edge_cost``); the world's
    ``cost_usd`` when omitted.
    """
    with np.errstate(divide="ignore"):
        risk_term = -np.log1p(-np.minimum(w.edge_risk, 0.999999))
    price = w.edge_cost if cost is None else cost
    return b_cost * price / budget_usd + b_risk * risk_term + b_time * w.edge_months + b_leg + 1e-6


def shortest_paths(
    w: WorldIndex,
    open_edges: np.ndarray,
    weights: np.ndarray,
    stop: np.ndarray | None = None,
    b_stop: float = 0.0,
    unknown: np.ndarray | None = None,
    b_know: float = 0.0,
    home: np.ndarray | None = None,
    cost: np.ndarray | None = None,
    kin_unknown: np.ndarray | None = None,
) -> PathTables:
    """Least-cost journeys for each row of ``open_edges``.

    Args:
        w: The compiled world.
        open_edges: bool ``[N, E]``: routes usable by each nationality (or class).
        weights: Generalised cost per route ``[E]``.
        stop: ``[N, E]`` probability of being intercepted or turned back on each route.
        b_stop: Weight of ``-log(1 - stop)`` in the generalised cost.
        unknown: ``[N, E]`` share of each route the class does not know
            (``flowsim.model.knowledge``); zeros when omitted.
        b_know: Weight of ``unknown`` in the generalised cost.
        home: ``[N]`` node of each class's own country (or -1): a journey never passes
            through it (going home is a destination, a return, not a transit).
        cost: ``[E]`` price of each route, USD (``Effects.edge_cost``); the world's
            ``cost_usd`` when omitted. ``weights`` must have been built with the same.
        kin_unknown: ``[N, E]`` share of each route unknown to the kin who would pay its
            smuggler (``flowsim.model.knowledge.unknown_share`` with ``kin_spill``); summed
            along each journey, it does not choose the journey. ``unknown`` when omitted.

    Returns:
        ``PathTables`` with leading dimension ``N``. Classes with the same routes, stop
        shares, unknown shares (route choice's and kin's) and home share one computation
        (each class's tables depend only on its own row), e.g. the visa tier of a
        nationality no country requires a visa of.
    """
    if stop is None:
        stop = np.zeros(open_edges.shape)
    if unknown is None:
        unknown = np.zeros(open_edges.shape)
    if kin_unknown is None:
        kin_unknown = unknown
    rows = [open_edges, stop, unknown, kin_unknown] + ([] if home is None else [home[:, None]])
    signature = np.ascontiguousarray(np.concatenate([np.asarray(r, float) for r in rows], 1))
    _, first, inverse = np.unique(
        signature.view(np.dtype((np.void, signature.dtype.itemsize * signature.shape[1]))),
        return_index=True,
        return_inverse=True,
    )
    if len(first) < open_edges.shape[0]:
        unique = shortest_paths(
            w,
            open_edges[first],
            weights,
            stop[first],
            b_stop,
            unknown[first],
            b_know,
            None if home is None else home[first],
            cost,
            kin_unknown[first],
        )
        tables = PathTables(
            **{f.name: getattr(unique, f.name)[inverse.reshape(-1)] for f in fields(PathTables)}
        )
        _read_only(tables)
        return tables
    n_cls, n = open_edges.shape[0], w.n_nodes
    stop_log = -np.log1p(-np.minimum(stop, 0.999999))
    weights = weights[None, :] + b_stop * stop_log + b_know * unknown  # [N, E]
    big = np.inf
    dist = np.full((n_cls, n, n), big)
    best = np.full((n_cls, n, n), -1, dtype=np.int64)
    for e in range(w.n_edges):  # keep the lightest of parallel routes per class
        s, d = w.edge_src[e], w.edge_dst[e]
        ok = open_edges[:, e] & (weights[:, e] < dist[:, s, d])
        dist[ok, s, d] = weights[ok, e]
        best[ok, s, d] = e
    nxt = np.where(best >= 0, best, -1)  # first edge of the best path s->d
    idx = np.arange(n)
    dist[:, idx, idx] = 0.0
    for k in range(n):
        via = dist[:, :, k, None] + dist[:, None, k, :]
        if home is not None:
            via[home == k] = big  # no transit through one's own country
        better = via < dist
        dist = np.where(better, via, dist)
        nxt = np.where(better, nxt[:, :, k, None], nxt)
    nxt[:, idx, idx] = -1
    reach = np.isfinite(dist)
    reach[:, idx, idx] = False
    price = w.edge_cost if cost is None else cost
    cost, risk_log, months, stop_sum, km, unk, kin_unk, legs, irregular, last_legal = _accumulate(
        w, nxt, reach, stop_log, unknown, kin_unknown, price
    )
    tables = PathTables(
        next_edge=nxt.astype(np.int16),
        cost=cost.astype(np.float32),
        risk=(-np.expm1(-risk_log)).astype(np.float32),
        stopped=(-np.expm1(-stop_sum)).astype(np.float32),
        months=months.astype(np.float32),
        km=km.astype(np.float32),
        unknown=unk.astype(np.float32),
        kin_unknown=kin_unk.astype(np.float32),
        legs=legs.astype(np.int8),
        irregular=irregular.astype(np.int8),
        legal_entry=last_legal.astype(bool) & reach,
        reachable=reach,
    )
    _read_only(tables)
    return tables


def _read_only(tables: PathTables) -> None:
    """Make every table read-only: they are cached and shared across months."""
    for f in fields(PathTables):
        getattr(tables, f.name).flags.writeable = False


def _accumulate(
    w: WorldIndex,
    nxt: np.ndarray,
    reach: np.ndarray,
    stop_log: np.ndarray,
    unknown: np.ndarray,
    kin_unknown: np.ndarray,
    price: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Sum cost, log-survival, months, log-not-stopped, km, both unknowns, legs, irregular legs.

    The unknowns are route choice's (``unknown``) and kin's (``kin_unknown``).
    The tenth table is 1 where the journey's last route is legal (its entry at the
    destination is a legal one), else 0.
    """
    n_cls, n, _ = nxt.shape
    cls, src, dst = np.nonzero(reach)
    cost = np.zeros(len(cls))
    risk = np.zeros(len(cls))
    months = np.zeros(len(cls))
    stops = np.zeros(len(cls))
    km = np.zeros(len(cls))
    unk = np.zeros(len(cls))
    kin_unk = np.zeros(len(cls))
    legs = np.zeros(len(cls))
    irregular = np.zeros(len(cls))
    last_legal = np.zeros(len(cls))
    cur = src.copy()
    live = np.ones(len(cls), dtype=bool)
    with np.errstate(divide="ignore"):
        surv = -np.log1p(-np.minimum(w.edge_risk, 0.999999))
    for _ in range(n):
        if not live.any():
            break
        e = nxt[cls[live], cur[live], dst[live]]
        cost[live] += price[e]
        risk[live] += surv[e]
        months[live] += w.edge_months[e]
        stops[live] += stop_log[cls[live], e]
        km[live] += w.edge_km[e]
        unk[live] += unknown[cls[live], e]
        kin_unk[live] += kin_unknown[cls[live], e]
        legs[live] += 1
        irregular[live] += ~w.edge_legal[e]
        last_legal[live] = w.edge_legal[e]
        cur[live] = w.edge_dst[e]
        live &= cur != dst
    sums = (cost, risk, months, stops, km, unk, kin_unk, legs, irregular, last_legal)
    out = [np.zeros((n_cls, n, n)) for _ in sums]
    for arr, vals in zip(out, sums, strict=True):
        arr[cls, src, dst] = vals
    return tuple(out)
