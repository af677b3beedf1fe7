"""What the active policies amount to in one month, as arrays the step phases read.

``Effects`` is built from the base world in the `policies` phase of the step whenever a policy's
intensity changes (and reused, read-only, in months where none does); each active policy
writes into it. Phases never look at policy objects directly and never write into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from flowsim.world.compiled import WorldIndex

#: ``deport_to`` codes besides node indices.
DEPORT_ORIGIN = -1
DEPORT_PREVIOUS = -2


@dataclass
class RegularizationWindow:
    """A regularization program open this month."""

    policy: str  # the policy's key: names its random draws
    country: int
    nationalities: np.ndarray  # bool [L]
    arrived_before: int  # absolute month; agents must have arrived earlier
    min_stay_months: int  # months lived in the host before an agent may apply
    apply_prob: float  # monthly probability an eligible migrant applies
    approval: float
    processing_months: int
    permit_months: int
    #: chance that someone arriving this month ends with a permit from this window (0 once
    #: the arrival cut-off has passed): what the program promises newcomers
    newcomer_chance: float = 0.0


@dataclass
class PathwayWindow:
    """Labor-pathway slots available this month."""

    policy: str  # the policy's key: names its random draws and the agents it creates
    from_nodes: np.ndarray  # bool [L]
    to: int
    people: float  # slots this month, people
    nationalities: np.ndarray  # bool [L]
    eligible_status: np.ndarray  # bool [n statuses]
    min_skill: float
    aspiring: bool
    contract_months: int
    return_share: float


@dataclass
class ArrivalRegime:
    """Processing at the destination: outcome shares for arrivals ``[L nat, L host]``.

    An arrival is expelled (sent to ``deport_to``), released with a pending case (decided
    after ``hearing_months``, granted with probability ``grant``), given a protected status
    (regular for ``protected_months``), or else stays irregular. Shares apply to irregular
    entrants, and to legal entrants too where ``all_entries`` is set.
    """

    expelled: np.ndarray  # [L, L] share
    pending: np.ndarray  # [L, L] share
    protected: np.ndarray  # [L, L] share
    deport_to: np.ndarray  # int [L, L]: node, DEPORT_ORIGIN or DEPORT_PREVIOUS
    hearing_months: np.ndarray  # int [L, L]
    grant: np.ndarray  # [L, L] probability a pending case is granted
    protected_months: np.ndarray  # int [L, L]
    all_entries: np.ndarray  # bool [L, L]

    @classmethod
    def none(cls, n: int) -> ArrivalRegime:
        """No processing regime: every irregular arrival stays irregular."""
        return cls(
            expelled=np.zeros((n, n)),
            pending=np.zeros((n, n)),
            protected=np.zeros((n, n)),
            deport_to=np.full((n, n), DEPORT_ORIGIN, dtype=np.int64),
            hearing_months=np.full((n, n), 24, dtype=np.int64),
            grant=np.zeros((n, n)),
            protected_months=np.full((n, n), 18, dtype=np.int64),
            all_entries=np.zeros((n, n), dtype=bool),
        )

    def retry_chance(self, w: WorldIndex, near: float, far: float) -> np.ndarray:
        """Chance that an expelled arrival sets out again the next month: ``[nat, host]``.

        ``near`` where the regime leaves the expelled in a country with a land route into
        the host (Mexicans, and Central Americans under Title 42, on the Mexican side of the
        US border) or turns them back where they came from (``previous``: always ``near``,
        even after a flight); ``far`` where it sends them further, with no land route back
        (flown home: Haitians, Cubans, Venezuelans, and Central Americans deported to their
        origin before Title 42), so the whole journey and its price must be paid again.
        """
        n = self.expelled.shape[0]
        target = np.where(self.deport_to == DEPORT_ORIGIN, np.arange(n)[:, None], self.deport_to)
        host = np.broadcast_to(np.arange(n)[None, :], target.shape)
        near_ = (self.deport_to == DEPORT_PREVIOUS) | w.land_into[np.maximum(target, 0), host]
        return np.where(near_, near, far)

    def security(self, pending_security: float) -> np.ndarray:
        """Return the expected status security of a newcomer let in: ``[nat, host]`` (0-1).

        Protected counts 1, pending ``pending_security`` (as in the cell tables), irregular 0.
        """
        kept = np.maximum(1.0 - self.expelled, 1e-9)
        return (self.protected + pending_security * self.pending) / kept


@dataclass
class Effects:
    """Policy effects for one month."""

    integration: np.ndarray  # [L nat, L host] share of the integration gap closed
    visa_required: np.ndarray  # bool [L nat, L destination]
    id_entry: np.ndarray  # bool [L nat, E] legal routes open on a national identity card
    flown: np.ndarray  # bool [L nat, E] routes an airlift carries the nationality on, any papers
    closed: np.ndarray  # [L nat, E] share of crossings blocked (1 = route closed)
    intercept: np.ndarray  # [L nat, E] interception probability
    deport_to: np.ndarray  # int [E]
    push_mult: np.ndarray  # [L]
    job_loss_mult: np.ndarray  # [L]
    wage_mult: np.ndarray  # [L]
    layoff: np.ndarray  # [L] share of employed migrants laid off at once this month
    removal: np.ndarray  # [L nat, L host] monthly chance an irregular resident is deported
    reached: np.ndarray  # [L nat, L place] share a mobilization reaches this month (abroad)
    reached_toward: np.ndarray  # [L nat, L place] share reached by news about named places
    toward: np.ndarray  # bool [L nat, L place, L destination] the places that news is about
    route_info: np.ndarray  # [L nat] share of irregular routes' unknown that news lifts
    edge_cost: np.ndarray  # [E] USD price of crossing each route this month
    arrival: ArrivalRegime  # what hosts do with irregular (or all) arrivals, by nationality
    regularizations: list[RegularizationWindow] = field(default_factory=list)
    pathways: list[PathwayWindow] = field(default_factory=list)

    @classmethod
    def base(cls, w: WorldIndex) -> Effects:
        """Effects of no policy: the world as its tables describe it."""
        n, e = w.n_nodes, w.n_edges
        return cls(
            integration=np.zeros((n, n)),
            visa_required=w.visa_required.copy(),
            id_entry=np.zeros((n, e), dtype=bool),
            flown=np.zeros((n, e), dtype=bool),
            closed=np.zeros((n, e)),
            intercept=np.zeros((n, e)),
            deport_to=np.full(e, DEPORT_ORIGIN, dtype=np.int64),
            push_mult=np.ones(n),
            job_loss_mult=np.ones(n),
            wage_mult=np.ones(n),
            layoff=np.zeros(n),
            removal=np.zeros((n, n)),
            reached=np.zeros((n, n)),
            reached_toward=np.zeros((n, n)),
            toward=np.zeros((n, n, n), dtype=bool),
            route_info=np.zeros(n),
            edge_cost=w.edge_cost.astype(float).copy(),
            arrival=ArrivalRegime.none(n),
        )

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of the fields policies may write (what ``RuntimePolicy.writes`` names)."""
        return tuple(f.name for f in fields(cls))

    def open_edges(self, w: WorldIndex, visas: bool = False) -> np.ndarray:
        """Routes usable by each nationality: not fully closed; legal ones need no visa.

        With ``visas`` (travellers holding the visas legal entry requires,
        ``flowsim.model.classes.VISAS``) a visa requirement closes nothing. A charter route
        (``WorldIndex.edge_charter``) is open only to the nationalities an airlift carries
        on it this month (``flown``), whatever visa its destination requires.
        """
        usable = self.closed < 1.0
        if not visas:
            usable = usable & ~(self.visa_required[:, w.edge_dst] & w.edge_legal[None, :])
        usable &= ~w.edge_charter[None, :]
        return usable | (self.flown & (self.closed < 1.0))
