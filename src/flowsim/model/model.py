"""``FlowModel``: the Mesa model of migrants moving over the Americas' route network."""

from __future__ import annotations

import mesa
import numpy as np

from flowsim import draws
from flowsim.agents import Migrant
from flowsim.model.cells import CellTables
from flowsim.model.classes import journey_class
from flowsim.model.economy import (
    crowding,
    holds_passport,
    holds_visas,
    passport_share,
    savings_normal,
    starting_savings,
)
from flowsim.model.effects_phase import legal_tables
from flowsim.model.initial import create_initial_stock
from flowsim.model.knowledge import initial_outside_use, initial_route_use
from flowsim.model.paths import PathTables, edge_weights
from flowsim.model.record import Recorder
from flowsim.model.schedule import SCHEDULE
from flowsim.model.settle import network_stock, recent_migrants
from flowsim.policies import Effects, build_policies
from flowsim.population import Population
from flowsim.rng import agent_key, agent_uniform
from flowsim.scenario.schema import Scenario
from flowsim.vocab import NATIONAL
from flowsim.world import World, default_world
from flowsim.world.compiled import WorldIndex, compile_world


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
        self.path_cache: dict[bytes, PathTables] = {}
        n, n_edges = self.world_index.n_nodes, self.world_index.n_edges
        #: people of each nationality who crossed each route, fading (``model/knowledge.py``);
        #: it starts where the crossings before the start left it
        self.route_use = initial_route_use(self.world_index, self.params)
        #: people not simulated who crossed each route, by smuggling network, fading the same
        #: way (``outside_crossings.csv``; ``[network, route]``, empty without the table)
        self.outside_use = initial_outside_use(self.world_index, self.params, self.month // 12)
        #: agents who crossed each route this month, by nationality (phase ``learn`` folds it)
        self.route_crossed = np.zeros((n, n_edges), dtype=np.int64)
        #: agents of each nationality who left each place for each destination, fading
        #: (``model/herd.py``; ``[nationality, from, to]``, counted only when ``b_herd`` > 0)
        self.departed = np.zeros((n, n, n))
        #: this month's departures, counted exactly until ``decide`` folds them into ``departed``
        self.departing = np.zeros((n, n, n), dtype=np.int64)
        #: unknown share of each route by nationality the current ``paths`` were built for,
        #: ``[2, nationality, route]``: route choice's and kin's (``knowledge.unknown_share``)
        self.unknown: np.ndarray | None = None
        weights = edge_weights(
            self.world_index,
            self.params.path_budget_usd,
            self.params.b_cost,
            self.params.b_risk,
            self.params.b_time,
            self.params.b_leg,
            cost=self.world_index.edge_cost,
        )
        self.legal_paths = legal_tables(self, weights, self.world_index.edge_cost)
        # the people abroad at the start are agents (initialization); the diaspora table
        # feeds the network only for nationalities that got no initial agents, so nobody
        # is counted twice
        initial = create_initial_stock(self)
        self.network_base = self.world_index.diaspora.copy()
        if len(initial):
            self.network_base[np.unique(self.population.nationality[initial])] = 0.0
        self.network_base.flags.writeable = False
        self.crowding = np.ones(self.world_index.n_nodes)
        no_rows = np.zeros(0, dtype=np.int64)
        #: rows that must leave this month (new emigrants), set by phase ``emigration``
        self.forced: np.ndarray = no_rows
        #: rows added by ``add_emigrants`` since the last step; they join ``forced``
        self.pending_forced: np.ndarray = no_rows
        #: per-cell tables of the month, set by phase ``cells``
        self.cells: CellTables | None = None
        #: policy intensities the current ``effects`` and ``paths`` were built for
        self.intensities: tuple[float, ...] | None = None
        self.effects: Effects = Effects.base(self.world_index)
        self.paths: PathTables = self.legal_paths
        self.network = network_stock(self, self.settled())
        SCHEDULE[0].run(self)  # this month's effects and journey tables, before any step

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

    def add_agents(
        self,
        nodes: np.ndarray,
        source: int,
        skill_floor: float = 0.0,
        *,
        documented: bool = False,
    ) -> np.ndarray:
        """Create agents at home in ``nodes`` (their origin); return their rows.

        Every creation goes through here: rows, stable random keys, initial savings and skill
        and the Mesa ``Migrant`` objects.

        Args:
            nodes: Origin node of each new agent.
            source: Tag of what creates them, part of their stable key
                (``flowsim.draws.SOURCE_*`` or ``flowsim.draws.policy_source``).
            skill_floor: Lowest skill percentile of the new agents.
            documented: All hold travel documents (pathway recruits); otherwise each
                holds a passport with its origin's passport share, the richer more often
                (``economy.holds_passport``).
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
        u = agent_uniform(seed, draws.NEW_SAVINGS, t, keys, option=np.arange(2))
        wealth = savings_normal(u[:, 0], u[:, 1])
        savings = starting_savings(wealth, p)
        skill = skill_floor + (1.0 - skill_floor) * agent_uniform(seed, draws.NEW_SKILL, t, keys)
        share = passport_share(self.world_index.passport_share[nodes], p.passport_scale)
        u_doc = agent_uniform(seed, draws.NEW_DOCUMENTED, t, keys)
        has_papers = holds_passport(u_doc, wealth, share, p)
        has_papers |= documented
        access = self.world_index.visa_access[nodes]
        given = np.full(count, documented)
        visas = has_papers & holds_visas(u_doc, wealth, share, given, access, p)
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
            documented=has_papers,
            visa_holder=visas,
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
        rows = self.add_agents(np.full(int(n_agents), node), source=draws.SOURCE_FORCED)
        self.pending_forced = np.concatenate([self.pending_forced, rows])
        return rows

    # ----------------------------------------------------------------- helpers of the phases
    def refresh_network(self, settled: np.ndarray) -> None:
        """Recompute diaspora stocks from settled, living agents."""
        self.network = network_stock(self, settled)
        recent = recent_migrants(self, settled)
        self.crowding = crowding(recent, self.world_index.population, self.params)

    def journey_class(self, rows: np.ndarray) -> np.ndarray:
        """Path-table class of agents (``flowsim.model.classes.journey_class``)."""
        P = self.population
        return journey_class(P.nationality[rows], P.documented[rows], P.visa_holder[rows])

    def settled(self) -> np.ndarray:
        """Boolean mask of living agents not on a journey."""
        P = self.population
        return P.alive & ~P.in_transit

    # ----------------------------------------------------------------- the step
    def step(self) -> None:
        """Advance one month: run the phases of ``flowsim.model.schedule.SCHEDULE`` in order.

        The schedule (names, order, what each phase reads and writes, and why it sits
        where it does) is written once, there; ``docs/ODD.md`` section 3 is generated from it.
        """
        for phase in SCHEDULE:
            phase.run(self)

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
