"""``FlowModel``: the Mesa model of migrants moving over the Americas' route network."""

from __future__ import annotations

import mesa
import numpy as np

from flowsim.agents import Migrant
from flowsim.model.cells import cell_tables
from flowsim.model.decide import decide
from flowsim.model.economy import crowding
from flowsim.model.emigration import emigrate
from flowsim.model.initial import create_initial_stock
from flowsim.model.journeys import travel
from flowsim.model.labor import labor_market
from flowsim.model.paths import PathTables, edge_weights, shortest_paths
from flowsim.model.record import Recorder
from flowsim.model.settle import network_stock, recent_migrants, settle_in
from flowsim.model.status import update_status
from flowsim.policies import Effects, build_policies
from flowsim.population import INITIAL_COHORT, NATIONAL, Population
from flowsim.rng import agent_key, agent_uniform
from flowsim.scenario.schema import Scenario
from flowsim.world import World, default_world
from flowsim.world.compiled import WorldIndex, compile_world

#: Budget (USD) against which route costs are weighed when choosing the path of a journey.
PATH_BUDGET_USD = 1000.0


def _freeze(obj: object) -> None:
    """Make every numpy array attribute of ``obj`` read-only."""
    for value in vars(obj).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False


class FlowModel(mesa.Model):
    """Migrants (array-backed Mesa agents) deciding monthly to stay, move on or return.

    Args:
        scenario: The resolved scenario (run settings, parameters, world overrides, policies).
        world: World tables; the embedded default world when omitted.
        seed: The run's seed; ``scenario.run.seed`` when omitted. All randomness derives
            from it through named streams (``flowsim.rng``).
        agents: Create ``Migrant`` Mesa objects for every agent (True, default). False keeps
            only the arrays, for benchmarks of the step itself.

    Attributes:
        population: Columnar agent state (one row per agent).
        world_index: The world compiled to numpy tables.
        recorder: Monthly aggregates, turned into result tables by ``run_one``.
        month: Absolute month index of the next step.
        agent_steps: Agents processed, summed over steps (for throughput figures).
    """

    def __init__(
        self,
        scenario: Scenario,
        world: World | None = None,
        seed: int | None = None,
        *,
        agents: bool = True,
    ) -> None:
        seed = scenario.run.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.scenario = scenario
        self.params = scenario.parameters
        self.scale = float(scenario.run.scale)
        self.make_agents = agents
        self.world_index: WorldIndex = compile_world(world or default_world(), scenario)
        self.policies = build_policies(scenario.policies, self.world_index)
        self.month = scenario.run.start_index
        self.population = Population(self._capacity_hint())
        self.recorder = Recorder(self.world_index, self.scale)
        self.agent_steps = 0
        self._path_cache: dict[bytes, PathTables] = {}
        self._weights = edge_weights(
            self.world_index,
            PATH_BUDGET_USD,
            self.params.b_cost,
            self.params.b_risk,
            self.params.b_time,
        )
        self.legal_paths = shortest_paths(
            self.world_index, self.world_index.edge_legal[None, :].copy(), self._weights
        )
        # the people abroad at the start are agents (initialization); the diaspora table
        # feeds the network only for nationalities that got no initial agents, so nobody
        # is counted twice
        initial = create_initial_stock(self)
        self.network_base = self.world_index.diaspora.copy()
        if len(initial):
            self.network_base[np.unique(self.population.nationality[initial])] = 0.0
        self.network_base.flags.writeable = False
        self.crowding = np.ones(self.world_index.n_nodes)
        self.network = network_stock(self, self._settled())
        self._apply_policies()

    # ----------------------------------------------------------------- set-up helpers
    def expected_emigrants(self) -> float:
        """People the push series sends abroad over the run, before policies (for sizing)."""
        w, run = self.world_index, self.scenario.run
        months = np.arange(run.start_index, run.end_index + 1)
        return float(
            sum(w.emigrants_per_month(int(m)).sum() for m in months) * self.params.push_scale
        )

    def _capacity_hint(self) -> int:
        w = self.world_index
        abroad = w.stock[-1][w.origins].sum() if len(w.stock_years) else 0.0
        abroad *= self.params.initial_stock_share
        return int(1.2 * (self.expected_emigrants() + abroad) / self.scale) + 1024

    def add_agents(self, nodes: np.ndarray, source: int, skill_floor: float = 0.0) -> np.ndarray:
        """Create agents at home in ``nodes`` (their origin); return their rows.

        Every creation goes through here: rows, stable random keys, initial savings and skill
        and the Mesa ``Migrant`` objects.

        Args:
            nodes: Origin node of each new agent.
            source: Tag of what creates them (0 emigration, 2+k pathway window k).
            skill_floor: Lowest skill percentile of the new agents.
        """
        count = len(nodes)
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        p, t, seed = self.params, self.month, self.seed
        # batch = index among this month's new agents of the same origin and source, so an
        # agent's identity (and every draw keyed on it) does not depend on other origins
        order = np.argsort(nodes, kind="stable")
        sorted_nodes = nodes[order]
        run_start = np.flatnonzero(np.r_[True, sorted_nodes[1:] != sorted_nodes[:-1]])
        first = np.repeat(run_start, np.diff(np.r_[run_start, count]))
        batch = np.empty(count, dtype=np.int64)
        batch[order] = np.arange(count) - first
        keys = agent_key(t, source, nodes, batch)
        u = agent_uniform(seed, "new.savings", t, keys, option=np.arange(2))
        normal = np.sqrt(-2.0 * np.log1p(-u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])  # Box-Muller
        savings = p.savings_median_usd * np.exp(p.savings_sigma * normal)
        skill = skill_floor + (1.0 - skill_floor) * agent_uniform(seed, "new.skill", t, keys)
        share = np.minimum(self.world_index.passport_share[nodes] * p.passport_scale, 1.0)
        documented = (agent_uniform(seed, "new.documented", t, keys) < share) | (source >= 2)
        rows = self.population.add(
            count,
            key=keys,
            nationality=nodes,
            location=nodes,
            status=NATIONAL,
            savings=savings,
            skill=skill,
            arrival_month=t,
            integration=1.0,
            documented=documented,
        )
        self.register_agents(rows)
        return rows

    def register_agents(self, rows: np.ndarray) -> None:
        """Create the Mesa ``Migrant`` objects of new population rows (unless arrays only)."""
        if self.make_agents:
            for r in rows.tolist():  # Mesa objects: the only per-agent Python work (creation)
                Migrant(self, r)

    def add_emigrants(self, origin: str, n_agents: int) -> np.ndarray:
        """Put ``n_agents`` new emigrants at ``origin``; they choose destinations next step."""
        node = self.world_index.node(origin)
        rows = self.add_agents(np.full(int(n_agents), node), source=1)
        self._pending_forced = np.concatenate([getattr(self, "_pending_forced", rows[:0]), rows])
        return rows

    # ----------------------------------------------------------------- policies and paths
    def _apply_policies(self) -> None:
        """Build this month's effects and journey tables (reused while no intensity changes).

        Policies' effects depend only on their intensities, so a month with the same
        intensities as the last one keeps the same (read-only) ``Effects`` and tables.
        """
        intensities = tuple(pol.intensity(self.month) for pol in self.policies)
        if intensities == getattr(self, "_intensities", None):
            return
        self._intensities = intensities
        self.effects = Effects.base(self.world_index)
        for pol, k in zip(self.policies, intensities, strict=True):
            if k > 0:
                pol.apply(self.effects, self.month, k)
        fx, w = self.effects, self.world_index
        # journey classes: 2 * nationality + documented; the undocumented use no legal route
        nat_open = fx.open_edges(w)
        open_edges = np.repeat(nat_open, 2, axis=0)
        open_edges[0::2] &= ~w.edge_legal[None, :]
        stop = np.repeat(1.0 - (1.0 - fx.intercept) * (1.0 - fx.closed), 2, axis=0)
        key = np.packbits(open_edges).tobytes() + np.round(stop, 4).tobytes()
        tables = self._path_cache.get(key)
        if tables is None:
            tables = shortest_paths(
                self.world_index, open_edges, self._weights, stop, self.params.b_stop
            )
            self._path_cache[key] = tables
        self.paths = tables
        _freeze(self.effects)  # reused while intensities are unchanged: phases only read it

    def refresh_network(self, settled: np.ndarray) -> None:
        """Recompute diaspora stocks from settled, living agents."""
        self.network = network_stock(self, settled)
        recent = recent_migrants(self, settled)
        self.crowding = crowding(recent, self.world_index.population, self.params)

    def journey_class(self, rows: np.ndarray) -> np.ndarray:
        """Path-table class of agents: ``2 * nationality + documented``."""
        P = self.population
        return 2 * P.nationality[rows].astype(np.int64) + P.documented[rows]

    def _settled(self) -> np.ndarray:
        """Boolean mask of living agents not on a journey."""
        P = self.population
        return P.alive & ~P.in_transit

    # ----------------------------------------------------------------- the step
    def step(self) -> None:
        """Advance one month through the nine phases below, in this order.

        The phases and why each sits where it does:

        1. Calendar: ``self.month`` is this month; push series and shocks read it.
        2. Policies: each active policy writes this month's effects (visas, closures,
           integration, programs); journey tables are refreshed if open routes changed,
           so every later phase sees the same rules.
        3. Emigration: new agents leave origins at the push-driven rate; they decide in
           phase 6 with everyone else (forced to leave, free to choose where).
        4. Labor market: jobs found and lost, income and savings, before decisions so
           that hardship and savings of this month shape them.
        5. Status: applications, grants, renewals, expiries and contract ends, before
           decisions so a new permit counts as security this month.
        6. Decide: labor-pathway slots are filled, then stay / move on / return.
        7. Travel: travellers advance one month of route time; deaths, interceptions,
           arrivals (new location, time-here reset); each crossing is recorded.
        8. Settle in: integration and months-here grow for settled agents; the diaspora
           network is refreshed for next month's decisions.
        9. Record: stocks by country x nationality x status and employment are stored
           with this month's events and crossings.
        """
        self._apply_policies()  # phases 1-2
        forced = emigrate(self)  # 3
        extra = getattr(self, "_pending_forced", None)
        if extra is not None and len(extra):
            forced = np.concatenate([extra, forced])
            self._pending_forced = extra[:0]
        self.cells = cell_tables(self)
        settled = self._settled()
        labor_market(self, settled)  # 4
        update_status(self, settled)  # 5
        decide(self, self._settled(), forced)  # 6
        travel(self)  # 7
        settled = self._settled()
        settle_in(self, settled)  # 8
        P = self.population
        self.recorder.close_month(
            self.month,
            P.location[settled],
            P.nationality[settled],
            P.status[settled],
            P.employed[settled],
            P.cohort[settled] == INITIAL_COHORT,
        )  # 9
        self.agent_steps += int(np.count_nonzero(P.alive))
        self.month += 1

    def run_months(self, months: int | None = None) -> None:
        """Run ``months`` steps (the scenario's ``run.months`` by default)."""
        for _ in range(self.scenario.run.months if months is None else months):
            self.step()

    # ----------------------------------------------------------------- accounting
    def counts(self) -> dict[str, int]:
        """Agents created, alive and dead (conservation: created == alive + dead)."""
        P = self.population
        alive = int(np.count_nonzero(P.alive))
        return {"created": P.n, "alive": alive, "dead": P.n - alive}
