"""The model's vocabulary, written once: statuses, journey kinds, route modes, file grammar.

Every module that needs one of these names imports it from here; tests check that no
other module keeps its own copy. Codes are positions in the tuples (what the agent arrays
store); names are what files and result tables show.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

#: Legal statuses; index = code stored in ``Population.status``. "national" = living in
#: one's own country (before leaving or after returning); "visitor" = entered on a legal
#: route (visa or visa-free entry) with a short stay allowed, irregular once it runs out.
STATUS_NAMES: tuple[str, ...] = (
    "irregular",
    "pending",
    "regular",
    "labor_visa",
    "naturalized",
    "national",
    "visitor",
)
IRREGULAR, PENDING, REGULAR, LABOR_VISA, NATURALIZED, NATIONAL, VISITOR = range(7)
#: Any status, as a file type.
StatusName = Literal[
    "irregular", "pending", "regular", "labor_visa", "naturalized", "national", "visitor"
]
#: Statuses a migrant can hold abroad (all but "national"), as a file type.
StatusAbroad = Literal["irregular", "pending", "regular", "labor_visa", "naturalized", "visitor"]

#: Journey kinds; index = code stored in ``Population.kind``.
KIND_NAMES: tuple[str, ...] = ("first", "onward", "return", "pathway")
FIRST, ONWARD, RETURN, PATHWAY = range(4)

#: Cohorts; index = code stored in ``Population.cohort``. "pre2015" = the initial stock
#: abroad created at the run's start.
COHORT_NAMES: tuple[str, ...] = ("run", "pre2015")
RUN_COHORT, INITIAL_COHORT = range(2)

#: Route modes; index = code stored in ``WorldIndex.edge_mode``.
MODES: tuple[str, ...] = ("land", "sea", "air")
ModeName = Literal["land", "sea", "air"]

#: The month that never comes: ``status_until`` of a status with no end (int32 maximum).
NEVER_MONTH: int = 2**31 - 1

#: A month as written in files (the grammar ``flowsim.calendar.parse_month`` reads).
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MonthText = Annotated[str, Field(pattern=MONTH_PATTERN, description="YYYY-MM")]
#: A country as written in files.
ISO3_PATTERN = r"^[A-Z]{3}$"
ISO3 = Annotated[str, Field(pattern=ISO3_PATTERN, description="ISO3 country code")]
#: A share or probability in [0, 1].
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
