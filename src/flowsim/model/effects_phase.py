"""The policies phase: this month's ``Effects`` and journey tables, rebuilt only on change."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.classes import NO_PASSPORT, PASSPORT, TIERS, VISAS, per_class
from flowsim.model.knowledge import unknown_share
from flowsim.model.paths import PathTables, edge_weights, shortest_paths
from flowsim.policies import Effects

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


#: Journey tables kept for reuse (a run needs a few dozen sets as rules and route knowledge
#: change; each is about 0.5 MB).
PATH_CACHE_SIZE = 32


def _digest(*arrays: np.ndarray) -> bytes:
    """SHA-256 of arrays' shapes, types and bytes: a cache key for what they determine."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.digest()


def _freeze(obj: object) -> None:
    """Make every numpy array attribute of ``obj`` read-only."""
    for value in vars(obj).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
        elif dataclasses.is_dataclass(value):  # a group of arrays (the arrival regime)
            _freeze(value)


def _cached(model: FlowModel, key: bytes, build: Callable[[], PathTables]) -> PathTables:
    """Return the journey tables cached under ``key``, building (and caching) them if absent.

    The cache keeps the ``PATH_CACHE_SIZE`` most recently built sets (oldest dropped first).
    """
    tables = model.path_cache.get(key)
    if tables is None:
        tables = build()
        while len(model.path_cache) >= PATH_CACHE_SIZE:  # oldest first (insertion order)
            model.path_cache.pop(next(iter(model.path_cache)))
        model.path_cache[key] = tables
    return tables


def legal_tables(model: FlowModel, weights: np.ndarray, cost: np.ndarray) -> PathTables:
    """Return the journey tables over legal routes only (labor pathways), at ``cost``.

    Cached like the month's tables, so the tables built at the world's prices when the
    model starts serve the first month too.
    """
    w = model.world_index
    return _cached(
        model,
        b"legal" + _digest(weights, cost),
        lambda: shortest_paths(
            w, (w.edge_legal & ~w.edge_charter)[None, :].copy(), weights, cost=cost
        ),
    )


def apply_policies(model: FlowModel) -> None:
    """Build this month's effects and journey tables (reused while nothing they use changes).

    Policies' effects depend only on their intensities, so a month with the same
    intensities as the last one keeps the same (read-only) ``Effects``; journey tables are
    rebuilt when the effects or the routes' rounded unknown shares change.
    Policies are applied in ``model.policies`` order: start month, then key.
    """
    intensities = tuple(pol.intensity(model.month) for pol in model.policies)
    same_rules = intensities == model.intensities
    if same_rules:
        fx = model.effects  # at most route knowledge moved: same effects
    else:
        fx = Effects.base(model.world_index)
        for pol, k in zip(model.policies, intensities, strict=True):
            if k > 0:
                pol.apply(fx, model.month, k)
    # news describing the routes lifts a share of the unknown (x 1.0 where none: exact)
    unknown = unknown_share(model, informed=fx.route_info)
    # kin know what route choice knows unless kin_spill weighs others' crossings less
    kin_unknown = (
        unknown
        if model.params.kin_spill == 1.0
        else unknown_share(model, kin=True, informed=fx.route_info)
    )
    both = np.stack([unknown, kin_unknown])
    if same_rules and np.array_equal(both, model.unknown):
        return
    model.unknown = both
    model.intensities = intensities
    w = model.world_index
    # journey classes (model/classes.py): the undocumented use no legal route but a land
    # crossing into their own country, which admits its nationals without a passport (a
    # flight home needs one: airlines board only the documented), and the routes into
    # countries that admit them on an identity card (id_card_entry); passport holders use
    # legal routes into countries that do not require a visa of them; visa holders, all;
    # an airlift carries its nationalities whatever their papers (charter routes)
    open_edges = per_class(fx.open_edges(w))
    open_edges[NO_PASSPORT::TIERS] &= (
        ~w.edge_legal[None, :] | w.home_by_land | fx.id_entry | fx.flown
    )
    if model.params.visa_share * w.visa_access.max() > 0:
        open_edges[VISAS::TIERS] = fx.open_edges(w, visas=True)
    else:  # nobody holds visas: the tier's tables are the passport tier's, computed once
        open_edges[VISAS::TIERS] = open_edges[PASSPORT::TIERS]
    stop = per_class(1.0 - (1.0 - fx.intercept) * (1.0 - fx.closed))
    p = model.params
    weights = edge_weights(  # at this month's route prices
        w, p.path_budget_usd, p.b_cost, p.b_risk, p.b_time, p.b_leg, cost=fx.edge_cost
    )
    # keyed by every input of the tables: open routes, stop chances, route weights and the
    # route costs, times, risks and lengths they sum, the stop weight and route knowledge
    key = _digest(
        np.packbits(open_edges),
        np.round(stop, 4),
        weights,
        fx.edge_cost,
        w.edge_months,
        w.edge_risk,
        w.edge_km,
        np.array([p.b_stop]),
        both,
        np.array([p.b_know]),
    )
    if not same_rules:  # legal routes only (labor pathways), at the month's prices too
        model.legal_paths = legal_tables(model, weights, fx.edge_cost)
    tables = _cached(
        model,
        key,
        lambda: shortest_paths(
            w,
            open_edges,
            weights,
            stop,
            p.b_stop,
            per_class(unknown),
            p.b_know,
            home=per_class(np.arange(w.n_nodes)),
            cost=fx.edge_cost,
            kin_unknown=per_class(kin_unknown),
        ),
    )
    model.paths = tables
    if not same_rules:
        _freeze(fx)  # reused while intensities are unchanged: phases only read it
        model.effects = fx
