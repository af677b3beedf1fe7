"""A tiny line world for exact-count tests: AAA (origin) -> BBB -> CCC -> DDD."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flowsim.model import FlowModel
from flowsim.scenario import Scenario
from flowsim.world import World

#: A wage collapse in the toy world's BBB from 2015-03: a diaspora there leaves more.
BBB_CRASH = {
    "type": "shock",
    "name": "bbb_crash",
    "countries": ["BBB"],
    "start": "2015-03",
    "wage_multiplier": 0.3,
    "job_loss_multiplier": 4.0,
}

COUNTRY_COLS = (
    "iso3,name,lat,lon,population,gdp_pc_ppp,unemployment,wage_usd_month,informality,"
    "migrant_stock,integration_base,passport_share,population_source,gdp_pc_ppp_source,unemployment_source,"
    "wage_source,informality_source,migrant_stock_source,integration_source,passport_source"
)


def write_toy_world(
    folder: Path,
    *,
    risk_ab: float = 0.0,
    months_ab: float = 0.5,
    push: float = 0.0,
    legal: bool = False,
) -> Path:
    """Write a four-node line world; return its folder."""
    folder.mkdir(parents=True, exist_ok=True)
    src = ",t,t,t,t,t,t,t,t"
    rows = [
        f"AAA,Origin,0,0,10000000,5000,0.1,100,0.5,0,0.3,0.5{src}",
        f"BBB,Near,0,5,10000000,10000,0.1,400,0.5,0,0.4,0.5{src}",
        f"CCC,Middle,0,10,10000000,20000,0.1,800,0.5,0,0.4,0.5{src}",
        f"DDD,Far,0,15,10000000,40000,0.05,2000,0.3,0,0.5,0.5{src}",
    ]
    (folder / "countries.csv").write_text(COUNTRY_COLS + "\n" + "\n".join(rows) + "\n")
    routes = [
        "route_id,from_iso3,to_iso3,mode,distance_km,cost_usd,duration_months,risk,legal,name,source"
    ]
    flag = "true" if legal else "false"  # legal routes need a passport (or a pathway)
    for a, b, months, risk, name in (
        ("AAA", "BBB", months_ab, risk_ab, "First border"),
        ("BBB", "CCC", 0.5, 0.0, ""),
        ("CCC", "DDD", 0.5, 0.001, "Last border"),
    ):
        routes.append(f"{a}-{b},{a},{b},land,100,10,{months},{risk},{flag},{name},t")
        routes.append(f"{b}-{a},{b},{a},land,100,10,{months},0.0,{flag},,t")
    (folder / "routes.csv").write_text("\n".join(routes) + "\n")
    visas = ["destination,nationality,visa_required,source"] + [
        f"{c},ALL,false,t" for c in ("AAA", "BBB", "CCC", "DDD")
    ]
    (folder / "visas.csv").write_text("\n".join(visas) + "\n")
    (folder / "diaspora.csv").write_text("nationality,country,people,source\nAAA,BBB,1000,t\n")
    years = "\n".join(f"AAA,{y},{push},t" for y in range(2015, 2031))
    (folder / "push.csv").write_text("origin,year,emigrants,source\n" + years + "\n")
    return folder


def write_toy_diaspora(folder: Path) -> Path:
    """The toy world without new emigrants and with AAA's diaspora in BBB, all irregular.

    150,000 people of AAA live in BBB at the start (50,000 arrived in 2010, 100,000 in 2015);
    with ``BBB_CRASH`` many of them leave. Returns ``folder``.
    """
    write_toy_world(folder, push=0.0)
    (folder / "initial_stock.csv").write_text(
        "origin,destination,year,people,source\nAAA,BBB,2010,50000,t\nAAA,BBB,2015,100000,t\n"
    )
    (folder / "initial_status.csv").write_text(
        "nationality,country,naturalized,irregular,source\nALL,ALL,0.0,1.0,t\n"
    )
    return folder


def crash_scenario(
    months: int, parameters: dict[str, float], policies: Sequence[dict] = ()
) -> Scenario:
    """A run of the toy world from 2015-01 at 100 people per agent, with ``BBB_CRASH``.

    ``policies`` are added after the crash.
    """
    return Scenario(
        name="toy",
        run={"start": "2015-01", "months": months, "scale": 100.0},
        parameters=parameters,
        policies=[BBB_CRASH, *policies],
    )


def left_bbb(world: World, scenario: Scenario, seed: int) -> dict[str, float]:
    """Run ``scenario`` on ``world``; return the people who left BBB, by destination.

    Counted from the flows: onward and return crossings out of BBB over the run.
    """
    model = FlowModel(scenario, world=world, seed=seed)
    model.run_months()
    fl = model.recorder.flow_table()
    left = fl[(fl.from_country == "BBB") & fl.kind.isin(["onward", "return"])]
    return left.groupby("to_country").people.sum().to_dict()
