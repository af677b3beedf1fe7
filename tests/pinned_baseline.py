"""The pinned baseline: key outputs of a small baseline run, stored in tests/pinned/.

A refactor must leave them unchanged; a change of behaviour changes them, and then the pin
is refreshed on purpose, in the same commit, with

    make pinned        (or: PYTHONPATH=src python tests/pinned_baseline.py --write)

``test_pinned_baseline.py`` compares a fresh run with the stored file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = ROOT / "tests" / "pinned" / "baseline_small.json"
#: The pinned run: the baseline scenario at a coarse scale, its own default seed.
SETTINGS = {"scenario": "scenarios/baseline.toml", "scale": 5_000.0, "seed": 20150101}
#: The ninth pass's baseline (no fading of the attachment to home, route knowledge spilling
#: over every nationality), pinned in ``PIN_NO_FADE`` by the commit before
#: ``home_fade_years`` existed (cf0c545): the path with the mechanisms off must stay that
#: model, bit for bit. Re-pinned on purpose in the twelfth pass, whose world data
#: gained the Cubans' Ecuador-Colombia crossing in ``route_knowledge.csv`` (a data change no
#: parameter can undo), and again in the thirtieth, whose ``routes.csv`` gained the
#: Lethem-Bonfim crossing between Guyana and Brazil (four routes), and in the thirty-second,
#: whose ``routes.csv`` gained the flights between Haiti and Ecuador (two routes) and
#: ``visas.csv`` Haiti's visas for Colombians, Cubans, Dominicans and Panamanians, and in
#: the thirty-fifth, whose code scales the odds of the passport share (no override gives
#: back the capped product for every origin) and whose ``visas.csv`` admits Cubans to
#: Guyana from the run's start (the policy ``guy_visa_free_cub_2018`` is gone);
#: ``--write-no-fade`` stores it.
#: The thirteenth pass's parameters and Haitian regime, the sixteenth pass's mobilization and
#: the eighteenth pass's Cuban regime and nationals let home, and the nineteenth pass's
#: fitted outflows and identity-card entry and the twentieth pass's news of 2016, the
#: twenty-third pass's news among the Venezuelans, the twenty-fourth pass's Venezuelan outflow
#: scale and the twenty-fifth pass's wish_scale, the twenty-sixth pass's PTP date and the
#: twenty-seventh pass's asylum, regularization and onward-ticket policies and the
#: twenty-eighth pass's ETPV window and lockdown layoffs, the twenty-ninth pass's visas for
#: Venezuelans, the thirtieth pass's refuge claims of Cubans in Brazil, the thirty-first
#: pass's eased Nicaraguan visa for Cubans, the thirty-second pass's visas for Haitians and
#: the thirty-third pass's routes described by the Haitians' rumour and the thirty-fourth
#: pass's Remain in Mexico without Haitians are undone by overrides below.
PIN_NO_FADE = ROOT / "tests" / "pinned" / "baseline_small_nofade.json"
NO_FADE = {
    "parameters.home_fade_years": 0.0,
    "parameters.b_home": 3.21875,
    "parameters.know_spill": 0.05,
    "parameters.know_spill_network": 0.0,
    # the thirteenth pass's changes, undone: b_fail and retry_expelled as before, and the
    # Haitians' removal regime of 2016 given the shares of usa_processing_2015 it replaced
    "parameters.b_fail": 0.5,
    "parameters.retry_expelled": 0.802546,
    "policies.usa_removal_hti_2016.expelled": 0.3,
    "policies.usa_removal_hti_2016.pending": 0.6,
    # the eighteenth pass's Cuban removal regime of 2017 given the same shares (Cubans fell
    # back on usa_processing_2015 after wet foot, dry foot, with the same hearing and grant)
    "policies.usa_removal_cub_2017.expelled": 0.3,
    "policies.usa_removal_cub_2017.pending": 0.6,
    # the eighteenth pass's closures that let nationals home: the COVID-19 closures of 2020
    # turning back returns too, as before
    "policies.covid_borders_2020.admit_nationals": False,
    # the sixteenth pass's rumour among the Haitians of Chile and Brazil, reaching no one
    "policies.hti_rumour_2021.reach": 0.0,
    # and the thirty-third pass's routes described with it, lifting nothing
    "policies.hti_rumour_2021.route_info": 0.0,
    # the twentieth pass's news of the 2016 releases among the Haitians of Brazil, reaching
    # no one
    "policies.hti_news_2016.reach": 0.0,
    # the twenty-third pass's news among the Venezuelans of 2021-2022, reaching no one (the
    # Haitians' news and rumour, now about the US, reach no one above)
    "policies.ven_news_2021.reach": 0.0,
    # the nineteenth pass's outflow scales: push.csv's outflows as they are, and COVID-19's
    # push multiplier as before
    "policies.covid_2020.push_multiplier": 0.4,
    "policies.cub_outflow_2015.push_multiplier": 1.0,
    "policies.cub_outflow_2017.push_multiplier": 1.0,
    "policies.cub_outflow_2019.push_multiplier": 1.0,
    "policies.cub_outflow_2021.push_multiplier": 1.0,
    "policies.nca_outflow_2021.push_multiplier": 1.0,
    "policies.ecu_outflow_2021.push_multiplier": 1.0,
    # the twenty-fourth pass's Venezuelan outflow scale: push.csv's series as it is
    "policies.ven_outflow.push_multiplier": 1.0,
    # the twenty-fifth pass's wish that follows the best option: the wish at the choice's
    # scale, as before
    "parameters.wish_scale": 1.0,
    # the nineteenth pass's identity-card entry of Venezuelans into Ecuador and Peru, made a
    # no-op: each country admitting its own nationals, whom land entries home admit already
    "policies.ecu_id_entry_ven.nationalities": ["ECU"],
    "policies.per_id_entry_ven.nationalities": ["PER"],
    # the twenty-sixth pass's PTP opening in February 2017: open from January 2018 as before
    "policies.per_ptp_2018.start": "2018-01",
    # the twenty-seventh pass's asylum claims at Peru's border, Panama's regularization of
    # 2016 and Bolivia's onward-ticket rule, each with nothing to do
    "policies.per_asylum_border_2018.pending": 0.0,
    "policies.pan_regularization_ven_2016.take_up": 0.0,
    "policies.pan_regularization_2016.take_up": 0.0,
    "policies.bol_onward_ticket_2019.expelled": 0.0,
    "policies.bol_onward_ticket_2019.entry": "irregular",
    # the twenty-eighth pass's ETPV window (the registry's dates, take-up and processing) and
    # COVID-19 lockdown layoffs: the statute's window and assumptions as before, no layoff
    "policies.col_etpv_2021.start": "2021-03",
    "policies.col_etpv_2021.end": "2023-05",
    "policies.col_etpv_2021.take_up": 0.85,
    "policies.col_etpv_2021.processing_months": 6,
    "policies.covid_lockdown_2020.layoff_share": 0.0,
    # the twenty-ninth pass's visas for Venezuelans in El Salvador, Nicaragua, Honduras,
    # Guatemala and the Dominican Republic, lifted instead of imposed (none was required before)
    "policies.slv_visa_ven_2008.required": False,
    "policies.nic_visa_ven_2016.required": False,
    "policies.hnd_visa_ven_2017.required": False,
    "policies.gtm_visa_ven_2018.required": False,
    "policies.dom_visa_ven_2019.required": False,
    # and Chile's tourist visa for Venezuelans from April 2018, as before
    "policies.chl_visa_ven_2019.start": "2018-04",
    # the thirtieth pass's refuge claims of Cubans in Brazil, asked by no one (its routes,
    # Lethem-Bonfim, are world data: re-pinned below)
    "policies.bra_asylum_cub.pending": 0.0,
    # the thirty-first pass's eased visa of Nicaragua for Cubans, required again (visas.csv)
    "policies.nic_visa_eased_cub_2019.required": True,
    # the thirty-second pass's visas for Haitians in Venezuela (from the run's start) and
    # Ecuador (from 2021-05), lifted (its Haiti-Ecuador flights are world data: re-pinned)
    "policies.ven_visa_hti_2015.required": False,
    "policies.ecu_visa_hti_2021.required": False,
    # the thirty-fourth pass's Remain in Mexico without Haitians: Haitians returned to
    # Mexico again, as before
    "policies.usa_mpp_2019.nationalities": "VEN COL ECU PER CUB HTI NIC GTM HND SLV".split(),
}
#: Routes whose yearly crossings are pinned.
ROUTES = ("Darien Gap", "US southwest border")


def pinned_outputs(overrides: dict[str, object] | None = None) -> dict:
    """Run the pinned scenario; return its key outputs as plain JSON data.

    Args:
        overrides: Dotted scenario overrides on top of the pinned settings (``NO_FADE``).

    Returns:
        The outputs, as stored in ``PIN``.
    """
    from flowsim.model import FlowModel
    from flowsim.scenario import load_scenario

    scenario = load_scenario(ROOT / SETTINGS["scenario"]).with_overrides(
        {"run.scale": SETTINGS["scale"], **(overrides or {})}
    )
    model = FlowModel(scenario, seed=SETTINGS["seed"], agents=False)
    model.run_months()
    ts = model.recorder.timeseries()
    fl = model.recorder.flow_table()
    year = ts["month"].dt.year
    by_var_year = ts.groupby([ts["variable"], year])["value"].sum()
    totals: dict[str, dict[str, float]] = {}
    for (var, yr), value in by_var_year.items():
        totals.setdefault(str(var), {})[str(yr)] = round(float(value), 3)
    onward = ts[ts["variable"] == "journeys_onward"].groupby("country")["value"].sum()
    last = ts[(ts["variable"] == "stock") & (ts["month"] == ts["month"].max())]
    routes: dict[str, dict[str, float]] = {}
    for route in ROUTES:
        sel = fl[fl["route"] == route]
        per_year = sel.groupby(sel["month"].dt.year)["people"].sum()
        routes[route] = {str(y): round(float(v), 3) for y, v in per_year.items()}
    return {
        "settings": SETTINGS,
        "counts": model.counts(),
        "totals_by_variable_and_year": totals,
        "onward_journeys_by_country": {str(k): round(float(v), 3) for k, v in onward.items()},
        "final_stock_by_country": {
            str(k): round(float(v), 3) for k, v in last.groupby("country")["value"].sum().items()
        },
        "crossings_by_route_and_year": routes,
        "sha256": {
            "timeseries": hashlib.sha256(ts.to_csv(index=False).encode()).hexdigest(),
            "flows": hashlib.sha256(fl.to_csv(index=False).encode()).hexdigest(),
        },
    }


def differences(old: dict, new: dict, path: str = "") -> list[str]:
    """Readable list of where two pinned outputs differ."""
    out: list[str] = []
    for key in sorted(set(old) | set(new), key=str):
        where = f"{path}.{key}" if path else str(key)
        if key not in old or key not in new:
            out.append(f"{where}: only in {'new' if key in new else 'stored'}")
        elif isinstance(old[key], dict) and isinstance(new[key], dict):
            out += differences(old[key], new[key], where)
        elif old[key] != new[key]:
            out.append(f"{where}: stored {old[key]!r}, now {new[key]!r}")
    return out


def main() -> int:
    """Print or (with ``--write``, ``--write-no-fade``) store the pinned outputs."""
    ap = argparse.ArgumentParser(description="Refresh the pinned baseline outputs.")
    ap.add_argument("--write", action="store_true", help=f"write {PIN.relative_to(ROOT)}")
    ap.add_argument(
        "--write-no-fade",
        action="store_true",
        help=f"write {PIN_NO_FADE.relative_to(ROOT)} (only after a change of world data)",
    )
    args = ap.parse_args()
    if args.write_no_fade:
        out = pinned_outputs(NO_FADE)
        PIN_NO_FADE.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {PIN_NO_FADE.relative_to(ROOT)}")
        return 0
    new = pinned_outputs()
    if not args.write:
        old = json.loads(PIN.read_text(encoding="utf-8")) if PIN.exists() else {}
        diff = differences(old, new)
        print("\n".join(diff[:50]) if diff else "pinned baseline unchanged")
        return 1 if diff else 0
    PIN.parent.mkdir(parents=True, exist_ok=True)
    PIN.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {PIN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
