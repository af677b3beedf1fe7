"""The result tables' columns: the contract between the model, the store and analysis.

Every results folder holds these tables (see the README's "Results" section). Analysis
code relies on these names and on the vocabularies below; change them only with a new
``FORMAT_VERSION``.
"""

from __future__ import annotations

from flowsim.vocab import KIND_NAMES, STATUS_NAMES

#: Version of the results folder layout, written into every manifest (2: per-run receipts
#: with part checksums, lock file, manifest with input hashes and settings).
FORMAT_VERSION = 2

#: One row per run.
RUNS_COLUMNS: tuple[str, ...] = (
    "run_id",  # stable id: "<scenario label>/r<replicate>"
    "scenario",  # scenario label (name, plus grid point when a sweep has a grid)
    "replicate",  # int, 0-based; replicate k has the same seed in every scenario
    "seed",  # int, the run's seed
    "status",  # "ok" | "failed"
    "error",  # "" when ok; the exception text when failed
    "seconds",  # float, wall time of the run
    "flowsim_version",  # str
    "params",  # JSON object of the grid point's overrides ("{}" when none)
)

#: Long table of monthly quantities, in people.
TIMESERIES_COLUMNS: tuple[str, ...] = (
    "run_id",
    "scenario",
    "replicate",
    "month",  # date: first day of the month
    "country",  # ISO3 where the quantity is measured (see VARIABLES)
    "nationality",  # ISO3 of the migrants' origin
    "status",  # one of STATUSES, or "all"
    "variable",  # one of VARIABLES
    "value",  # float, people
)

#: Border crossings, in people, each carrying its journey's kind.
FLOWS_COLUMNS: tuple[str, ...] = (
    "run_id",
    "scenario",
    "replicate",
    "month",
    "nationality",
    "from_country",
    "to_country",
    "route",  # the route's name when it has one (e.g. "Darien Gap"), else its route_id
    "mode",  # land | sea | air
    "kind",  # one of KINDS
    "lived_in_third",  # bool: the crosser had lived (residence_months) outside its country
    "people",
)

#: Legal status of a migrant abroad.
#: "national" marks people living in their own country (before leaving or after returning).
STATUSES: tuple[str, ...] = STATUS_NAMES

#: Journey kinds. Onward = starts where the migrant has lived and goes to a third country.
KINDS: tuple[str, ...] = KIND_NAMES

#: Timeseries variables and where their ``country`` is measured.
VARIABLES: dict[str, str] = {
    "stock": "people living in the country at the end of the month (not in transit), by status",
    "employed": "employed people living in the country, by status",
    "stock_pre2015": "the part of 'stock' that belongs to the initial stock abroad at the run's "
    "start (cohort pre2015), by status",
    "in_transit": "people on a journey whose last node is the country (status 'all')",
    "journeys_first": "first journeys started from the country (the origin)",
    "journeys_onward": "onward journeys started from the country (a host): the headline output",
    "journeys_return": "return journeys started from the country",
    "journeys_pathway": "legal labor-pathway journeys started from the country",
    "left_residence": "people leaving the country where they lived abroad (a year or more, or "
    "since before the run), onward, home or on a pathway: the departures of settled migrants "
    "(removals excluded)",
    "settled": "journeys ended in the country (arrival at a destination or stranded)",
    "deaths": "deaths and disappearances on routes leaving the country",
    "intercepted": "people intercepted on routes entering the country",
    "deported": "people removed from the country (sent to origin or a named country)",
    "regularized": "permits granted in the country this month",
    "applications": "regularization applications filed in the country this month",
    "stuck": "people who wanted to move this month but could not afford any route (not "
    "those only news about a place moved, who stay)",
    "emigrants": "people pushed to emigrate this month (the push series; country = origin); "
    "those who stay are also counted in stayed_home",
    "stayed_home": "people pushed to emigrate this month who stayed: nothing they could afford "
    "was worth more than home without the attachment to it (country = origin)",
}

#: Variables that are end-of-month stocks by status (the others count events by country).
STOCK_VARIABLES: tuple[str, ...] = ("stock", "employed", "stock_pre2015")

#: Named route of the Darien crossing and of the US southwest land border in the default world.
DARIEN_ROUTE = "Darien Gap"
US_SW_BORDER_ROUTE = "US southwest border"
