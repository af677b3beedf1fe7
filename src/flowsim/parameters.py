"""Model coefficients with defaults, ranges and the source or calibration note of each.

A scenario's ``[parameters]`` table overrides these by name; unknown names are rejected
with the allowed list. Defaults marked *calibrated* come from ``flowsim calibrate`` on
2015-2021 targets (see ``docs/ODD.md``, "Input data" and "Calibration"); defaults marked
*assumption* are judgements with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class Parameters(BaseModel):
    """Coefficients of the decision, labor-market, status and emigration submodels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- decision: random utility (terms listed in flowsim.model.utility.TERMS) ---
    b_inc: float = Field(
        1.0,
        ge=0,
        le=5,
        description="Weight of log expected monthly income. Assumption: unit income "
        "elasticity, the usual normalisation of random-utility migration models "
        "(Grogger & Hanson 2011, J. Dev. Econ. 95:42-57).",
    )
    b_net: float = Field(
        0.5,
        ge=0,
        le=3,
        description="Weight of log(1 + diaspora/net_ref). Beine, Docquier & Ozden (2011, "
        "J. Dev. Econ. 95:30-41) estimate diaspora elasticities of bilateral flows near 0.5.",
    )
    net_ref: float = Field(
        10_000.0,
        gt=0,
        description="People; diaspora size at which the network term reaches log(2). Assumption.",
    )
    b_cost: float = Field(
        1.5,
        ge=0,
        le=20,
        description="Weight of route cost relative to savings, cost/(savings + c0). Assumption, "
        "calibrated through onward flows.",
    )
    c0: float = Field(300.0, gt=0, description="USD added to savings in the cost term. Assumption.")
    b_risk: float = Field(
        15.0,
        ge=0,
        le=200,
        description="Weight of the journey's death probability. Assumption: a 1% risk costs "
        "as much utility as a 15% income loss.",
    )
    b_stop: float = Field(
        2.0,
        ge=0,
        le=50,
        description="Weight of the probability of being intercepted or turned back on the "
        "journey (enforcement, closures). Assumption: being sent back loses the fee and months.",
    )
    b_fail: float = Field(
        0.5,
        ge=0,
        le=2,
        description="Weight of the value lost when a journey fails: a destination's value is "
        "lowered by b_fail * P(stopped on the way or expelled for good on arrival) * (its value "
        "- the value of being back home). 1 would be the expected value of the attempt, as in "
        "the expected-income model of migration (Todaro 1969, Am. Econ. Rev. 59:138-148); "
        "prospective irregular migrants weigh the chance of failing less than that (Mbaye "
        "2014, IZA J. Migration 3:21), while a loss weighs about twice an equal gain (loss "
        "aversion, Tversky & Kahneman 1992, J. Risk Uncertain. 5:297-323). Default 0.5, "
        "chosen between 0 and 1 on 2015-2021 fit and a direction test (docs/calibration.md, "
        "'Failed journeys, kin's means and who stays'); calibrated since the thirteenth pass "
        "(baseline 1; docs/calibration.md, 'Failure weighs its expected value').",
    )
    b_push: float = Field(
        50.0,
        ge=0,
        le=50,
        description="How much less staying is worth to this month's pushed emigrants (the push "
        "series) than to others at home, besides losing the attachment to home (b_home): they "
        "leave unless nothing they can afford is worth more than staying as they are minus "
        "b_home + b_push, and stay otherwise (counted as stayed_home). Assumption for the "
        "default: 50, so every pushed emigrant leaves; the baseline layer sets it by a "
        "profile of the calibration loss (docs/calibration.md).",
    )
    b_time: float = Field(
        0.05, ge=0, le=2, description="Weight per month of travel time. Assumption."
    )
    b_dist: float = Field(
        1.0,
        ge=0,
        le=4,
        description="Weight of log(1 + journey km / 1000): the distance friction of gravity "
        "models of migration (information, culture and unpriced travel costs). Bilateral "
        "migration-flow gravity estimates put the elasticity to distance near -1, within about "
        "-0.5 to -1.5 (Beine, Bertoli & Fernandez-Huertas Moraga 2016, World Economy 39:496-512; "
        "Mayda 2010, J. Popul. Econ. 23:1249-1274).",
    )
    b_leg: float = Field(
        0.0,
        ge=0,
        le=3,
        description="Fixed cost of each leg of a journey (each route taken, so each border "
        "crossed): the checks, fees, waiting and hassle of changing country that distance "
        "and price miss. The journey-level form of the contiguity effect of gravity models "
        "(a shared border raises bilateral migration beyond distance: Beine, Bertoli & "
        "Fernandez-Huertas Moraga 2016, World Economy 39:496-512). Enters both the utility "
        "of a destination and the cost journeys minimise. 0 = none. Calibrated.",
    )
    b_path: float = Field(
        1.0,
        ge=0,
        le=5,
        description="Utility bonus of a legal pathway offer (safety, status, paid journey) "
        "when a migrant decides whether to accept it. Assumption.",
    )
    b_home: float = Field(
        1.2,
        ge=-5,
        le=10,
        description="Attachment to the origin in the return option. Assumption; calibrated "
        "through the 2020 return movement.",
    )
    home_fade_years: float = Field(
        0.0,
        ge=0,
        le=50,
        description="Years over which a migrant's attachment to home fades while living "
        "abroad: a migrant abroad who chooses weighs going home with b_home * exp(-years in "
        "the current country / home_fade_years). 0: no fading (every migrant weighs home "
        "with the full b_home, the model before this parameter). Assumption: return rates "
        "fall with time spent abroad, a regularity of the return-migration literature (e.g. "
        "Constant and Massey 2002, International Migration 40(4)); docs/calibration.md, "
        "'Home fades with years abroad'.",
    )
    home_fade_in_wish: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Weight of the faded attachment to home (home_fade_years) in a group's "
        "wish to move (the hazard, computed per group): 0 (the baseline) keeps home's full "
        "pull in the wish, so only the choice sees the fading; 1 subtracts the group's mean "
        "faded attachment from its home option before the nest value, consistent with the "
        "choice. Assumption: the split at 0 is a modelling hypothesis (a 'myth of return'); "
        "docs/calibration.md, 'Home fades with years abroad', measures both. In the "
        "calibration space since the fourteenth pass (prior 0-1); the shipped point keeps 0 "
        "('The wish follows the best option').",
    )
    b_lang: float = Field(
        0.5,
        ge=0,
        le=4,
        description="Weight of sharing an official language with the destination (in staying "
        "too). Linguistic proximity raises bilateral migration markedly (Adsera & Pytlikova "
        "2015, Economic Journal 125:F49-F81; Belot & Ederveen 2012, J. Popul. Econ. "
        "25:1077-1105). Assumption for the value, calibrated.",
    )
    b_crisis: float = Field(
        0.5,
        ge=0,
        le=5,
        description="Weight of the crisis at home, measured as the percent of the population "
        "emigrating per year (the push series, src/flowsim/data/push.csv), in the value of living "
        "in one's own country. Assumption, calibrated: the conditions that push people out keep "
        "emigrants from returning (few Venezuelans returned while the outflow lasted; R4V "
        "counted about 100,000 returns in 2020 against 5 million abroad).",
    )
    retry_expelled: float = Field(
        0.7,
        ge=0,
        le=0.95,
        description="Probability that an arrival expelled by the destination's processing regime "
        "leaves again the next month. Informed by Massey & Singer (1995, Demography 32:203-213): "
        "Mexican migrants apprehended at the US border tried again until nearly all got through; "
        "calibrated through the US border encounters. Applies where the expelled are left in a "
        "country with a land route into the destination (the Mexican side of the US border) or "
        "turned back where they came from; retry_far elsewhere.",
    )
    retry_far: float = Field(
        0.1,
        ge=0,
        le=0.95,
        description="Probability that an arrival expelled to a country with no land route into "
        "the destination (flown home: Haitians to Port-au-Prince, Venezuelans to Caracas, "
        "Central Americans deported to their origin before Title 42) sets out again the next "
        "month; the others settle there and decide like everyone else. The whole journey and "
        "its price must be paid again, unlike a retry from the Mexican side of the border; "
        "those turned back where they came from count as next to the destination. Assumption, "
        "calibrated.",
    )
    b_know: float = Field(
        2.0,
        ge=0,
        le=10,
        description="Weight of how little a nationality knows the irregular routes of a journey "
        "(sum over its routes of the unknown share, flowsim.model.knowledge). Route information "
        "spreads through those who travelled (Bijak et al. 2021, Towards Bayesian Model-Based "
        "Demography, Springer, the Routes and Rumours model). Assumption, calibrated.",
    )
    know_ref: float = Field(
        2000.0,
        gt=0,
        le=1e7,
        description="People who crossed an irregular route (recently, by one's nationality) at "
        "which it is half known. Assumption, calibrated.",
    )
    know_base: float = Field(
        500.0,
        ge=0,
        le=1e7,
        description="Knowledge of every irregular route without having seen it used, in the "
        "same unit as know_ref (people who crossed): news and smugglers' offers. Assumption.",
    )
    know_memory_months: float = Field(
        36.0,
        ge=1,
        le=600,
        description="Months over which route knowledge fades once traffic stops (crossings "
        "decay by 1/know_memory_months a month). Assumption: about a migration wave's length.",
    )
    know_spill: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Weight of other nationalities' crossings (outside one's smuggling "
        "network, know_spill_network) in what a nationality knows of a route (smugglers serve "
        "everyone; news travels less across communities). Assumption, calibrated (prior "
        "0-0.1): it decides whether the Darien route ignites for Venezuelans before 2022; "
        "the baseline's 0 (with know_spill_network 1) lets routes spread only within "
        "smuggling networks (docs/calibration.md, 'Smuggling networks').",
    )
    know_spill_network: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Weight of the crossings of nationalities that share a smuggling network with "
        "one's own (the world's smuggling_networks.csv) in what a nationality knows of a "
        "route, where it exceeds know_spill: 1, as from one's own people (kin who pay a "
        "smuggler weigh it by kin_spill, like every other nationality's crossings). "
        "Migrants who travel the same path meet at the same gateways and cross in the "
        "same guided groups, so route information flows within such a network and little "
        "beyond it (Cubans and Haitians in 2015-2016: France 24 Observers, 7-8 Sep 2016; "
        "the Routes and Rumours model of Bijak et al. 2021, Towards Bayesian Model-Based "
        "Demography, Springer, ch. 3, where information spreads by contact). 0 = no such "
        "effect. Assumption.",
    )
    kin_spill: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Share of know_spill (and of know_spill_network for network peers) in "
        "what kin at a destination know of the irregular "
        "routes whose smuggler they pay (decide.known_share): 1, they know what their "
        "nationality knows; 0, only what know_base and their own people's crossings teach (a "
        "fee is vouched for and "
        "paid on arrival through co-nationals who used the same smugglers: Sanchez 2015, Human "
        "Smuggling and Border Crossings, Routledge; Dolfin and Genicot 2010, Review of "
        "Development Economics 14(2), kin lower coyote prices through information on coyotes "
        "they used). Assumption.",
    )
    kin_irregular_ref: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of a diaspora without a permit at and above which a migrant "
        "without a passport has kin there who pay a journey as often as a documented one; "
        "below it the chance falls in proportion (decide.undocumented_kin_share: migrant "
        "networks are stratified by legal status, Massey and Espinosa 1997, American Journal "
        "of Sociology 102(4); Garip 2008, Demography 45(3)). The shares are "
        "initial_status.csv's (2015). 0 = no such effect. Assumption.",
    )
    know_reverse: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Weight of a nationality's crossings of an irregular route in what it knows "
        "of the route back over the same border (WorldIndex.edge_reverse): where to cross "
        "and whom to pay do not depend on the direction. 0 keeps each direction apart. "
        "Assumption, calibrated (prior 0-1).",
    )
    b_int: float = Field(
        2.0,
        ge=0,
        le=10,
        description="Weight of integration (0-1) in the utility of staying. Assumption: full "
        "integration is worth a ~7-fold income gap (exp(2)).",
    )
    b_secure: float = Field(
        0.8,
        ge=0,
        le=5,
        description="Utility of holding a secure status where one lives. Assumption.",
    )
    pending_security: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Security (0-1) of a pending application in the utility of staying, "
        "between irregular (0) and a permit (1). Assumption: halfway.",
    )
    path_budget_usd: float = Field(
        1000.0,
        gt=0,
        description="USD; reference budget scaling route costs in the generalised cost that "
        "journeys minimise (b_cost * cost / path_budget_usd). Assumption: the order of a "
        "new emigrant's savings plus a small loan (savings_median_usd is 350).",
    )
    b_hardship: float = Field(
        0.8,
        ge=0,
        le=5,
        description="Disutility of being without a job. Assumption (at 2 the calibration "
        "loss falls but Andean integration raises onward moves, a failed direction test: "
        "docs/calibration.md).",
    )
    b_settle: float = Field(
        0.6,
        ge=0,
        le=5,
        description="Weight of log(1 + years lived here) in staying (location-specific capital). "
        "Assumption.",
    )
    b_move: float = Field(
        0.0,
        ge=0,
        le=6,
        description="Fixed cost of any move, in utility: what uprooting costs beyond the "
        "journey's money, distance and risk (housing, job search, a child's school, the people "
        "left behind). Dynamic models of repeat migration find it large relative to income "
        "gains (Kennan & Walker 2011, Econometrica 79:211-251). Enters staying with a plus "
        "sign, so it changes how often settled people move, not where movers go; 0 = no "
        "fixed cost. Calibrated.",
    )
    nest_lambda: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Dissimilarity of the nest of destinations in the choice between staying "
        "and moving (nested logit normalised at the lower level: McFadden 1978; Train 2009, "
        "Discrete Choice Methods with Simulation, ch. 4.2). 1 = multinomial logit, where every "
        "destination is an independent alternative to staying, so the mere number of options "
        "makes moving likely; smaller = destinations are close substitutes and the choice to "
        "move weighs gains over staying by this factor, while the choice among destinations "
        "(a softmax of their utilities) is unchanged. Calibrated.",
    )
    taste_scale: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Scale of each person's own taste for each destination (the Gumbel noise "
        "of the choice among destinations), in units of the utility (log income). The nest's "
        "dissimilarity is nest_lambda * taste_scale (nested logit: McFadden 1978; Train 2009, "
        "Discrete Choice Methods with Simulation, ch. 4.2): movers choose by softmax(u / "
        "taste_scale), and the nest's value over staying, nest_lambda * (taste_scale * "
        "log(sum(exp(u / taste_scale))) - u_stay), carries a bonus for the number of similar "
        "options of at most nest_lambda * taste_scale * log(options). 1 = the choice among "
        "destinations on the utility's own unit (the baseline, as before this parameter "
        "existed); smaller = sharper choice and less wish to move for the mere number of "
        "destinations. In the calibration space since the eighth pass (prior 0.3-1); the "
        "shipped point keeps 1: at that point each smaller value tried (0.9 to 0.3) nearly "
        "empties the Darien, and matchings around 0.7 fit the targets better but not the "
        "history table (docs/calibration.md, 'The Darien is a tail choice' and 'Visas filter').",
    )
    wish_scale: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Multiplier of taste_scale in a group's wish to move (the hazard): the "
        "hazard's nest value is nest_lambda * s * log(sum(exp(u / s))) with s = taste_scale "
        "* wish_scale, while movers still choose where to go, and whether to go, at "
        "taste_scale; the same gain ranks the most aspiring for pathway slots. 1 = the wish "
        "and the choice see the same nest (the model before this parameter); smaller = how "
        "often a group reconsiders follows its best option over staying rather than the "
        "number of options (towards nest_lambda * max(u) as it goes to 0). Assumption (a "
        "modelling hypothesis: the decision to seek a new place follows the place utility of "
        "the best known alternative, Wolpert 1965, Papers of the Regional Science "
        "Association 15:159-169; Brown & Moore 1970, Geografiska Annaler B 52(1):1-13). In "
        "the calibration space since the fourteenth pass (prior 0.1-1, log); the shipped "
        "point holds 0.4 since the twenty-fifth pass (1 before), chosen by an A/B over the "
        "ensemble (docs/calibration.md, 'The wish follows the best option, again').",
    )
    b_herd: float = Field(
        0.0,
        ge=0,
        le=10,
        description="Weight of herd behaviour: a destination's utility for migrants living in "
        "a place abroad rises by b_herd * r / (r + herd_ref), r being the recent monthly share "
        "of their compatriots there who left for it (flowsim.model.herd; 0 at home, where the "
        "people who stay are not agents). Migrants follow "
        "where their compatriots are going as well as where they live (Epstein 2008, "
        "Journal of Ethnic and Migration Studies 34(4):567-583; Bauer, Epstein & Gang 2007, "
        "Research in Labor Economics 26:199-229). 0 = no herd term (the model before it "
        "existed; the baseline). Assumption; in the calibration space (prior 0-3).",
    )
    herd_ref: float = Field(
        0.01,
        gt=0,
        le=1,
        description="Monthly share of compatriots leaving a place for a destination at which "
        "the herd term is half of b_herd. Assumption: 1% a month. For scale, the 2021 Haitian "
        "wave took some 64,000 of about 275,000 Haitians living in Chile and Brazil north "
        "(the IOM survey's 63% of 2021 Darien crossers who had lived there, applied to the "
        "101,072 Haitian crossers; 180,900 in Chile, INE/DEM, and 94,400 registered in "
        "Brazil, Policia Federal 2018: targets.csv), about 2% a month. In the calibration "
        "space (prior 0.002-0.05, log).",
    )
    herd_memory_months: float = Field(
        6.0,
        ge=1,
        le=60,
        description="Months over which departures are remembered (they fade by "
        "1/herd_memory_months a month). Assumption: news of who left travels within a "
        "season.",
    )
    hazard_max: float = Field(
        0.06,
        gt=0,
        le=1,
        description="Largest monthly probability of acting on a wish to move. Assumption; "
        "calibrated through onward flows.",
    )
    hazard_slope: float = Field(
        0.5,
        gt=0,
        le=20,
        description="How fast the move hazard rises with the utility gain of the best option. "
        "Assumption; calibrated through onward flows.",
    )
    first_move_wait: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the move hazard applied in the first month after arrival. "
        "Assumption.",
    )
    residence_months: int = Field(
        12,
        ge=1,
        le=120,
        description="Months lived in a country before it counts as where a migrant lived: a "
        "journey from there is an onward one, and later crossings are a third-country "
        "resident's (flows lived_in_third). A shorter stay is a stop on the same journey. "
        "The usual-residence threshold of migration statistics (UN DESA 1998, "
        "Recommendations on Statistics of International Migration, Rev. 1, ST/ESA/STAT/"
        "SER.M/58/Rev.1: a long-term migrant changes usual residence for at least a year), "
        "which the surveys behind the secondary-share targets ask about ('usually lived "
        "in'). A definition, not calibrated.",
    )

    # --- emigration ---
    push_scale: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Multiplier of the push series (data/push.csv). Calibrated.",
    )
    savings_median_usd: float = Field(
        350.0,
        gt=0,
        description="Median savings of a new emigrant, USD. Assumption: a few months of "
        "origin wages plus sold assets.",
    )
    passport_scale: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Multiplier of the odds of each origin's passport share (countries.csv "
        "passport_share; economy.passport_share), so a share stays below 1 at any scale. "
        "Passports are needed for legal routes (flights, formal border posts), bar the land "
        "posts an id_card_entry policy opens. Calibrated.",
    )
    passport_wealth: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Correlation (Gaussian copula) between an emigrant's savings and holding "
        "a passport; each origin's passport share is kept. 0 = independent; 1 = the richest "
        "hold the passports. Passports cost money and time: in Venezuela from 2016 the "
        "state issued few and a passport cost hundreds of dollars outside official channels "
        "(the issuance crisis behind countries.csv passport_share), so the undocumented were "
        "the poorer emigrants. Assumption for the form, calibrated.",
    )
    initial_stock_share: float = Field(
        1.0,
        ge=0,
        le=2,
        description="Multiplier of the initial stock of migrants abroad created as agents at "
        "the run's start (world table initial_stock.csv, UN DESA 2015). 1 = the data; 0 = "
        "nobody abroad at the start (the network term then uses diaspora.csv).",
    )
    savings_sigma: float = Field(
        1.0, ge=0, le=3, description="Log-normal spread of new emigrants' savings. Assumption."
    )

    network_loan_usd: float = Field(
        4000.0,
        ge=0,
        le=50_000,
        description="What kin in the world's highest-wage country lend or remit to pay a "
        "journey, USD; kin elsewhere lend in proportion to their host's wage (they lend what "
        "they earn). Assumption: smuggling fees to the US (USD 4,000-10,000) are mostly paid "
        "by relatives abroad (IOM/WFP 2022 survey of Central American migration); calibrated.",
    )
    kin_relend: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Share of each loan that kin lend for a new journey once they have paid "
        "part of one (a journey that cost more than the migrant's savings); leaving a stop "
        "on the way or retrying after an expulsion is the same journey and keeps the whole "
        "loan. 1: kin pay every journey (the calibrated baseline); 0: kin finance one "
        "migration, the family investment of the new economics of labour migration (Stark "
        "& Bloom 1985, Am. Econ. Rev. 75(2):173-178). The initial stock starts with no "
        "journey paid by kin. Assumption.",
    )
    kin_ties: float = Field(
        10.0,
        ge=0,
        le=200,
        description="Close kin and friends a person counts on, spread over the origin's "
        "population: someone at the origin has at least one of them at a destination with "
        "probability 1 - exp(-kin_ties * diaspora there / origin population), and only then "
        "a loan for that journey. Having a migrant relative is what makes migrating "
        "affordable (Massey & Espana 1987, Science 237:733-738; Massey et al. 1993, Popul. "
        "Dev. Rev. 19:431-466), so loans reach few when a diaspora is small against the "
        "origin (Venezuelans in Spain in 2015: 0.6% of Venezuela) and most when it is large "
        "(Haitians and Cubans in the US). Assumption for the value, calibrated.",
    )
    loan_anywhere: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of kin elsewhere abroad (not at the destination) who pay for a "
        "journey, for someone with no kin at the destination; they pay legal journeys only "
        "(fares, visas), while a smuggler's fee is paid by kin at the destination, often on "
        "arrival (Spener 2009, Clandestine Crossings, Cornell UP). Migration is largely "
        "financed by relatives abroad wherever they live (Massey et al. 1993, Popul. Dev. "
        "Rev. 19:431-466); Haitians who flew to Chile in 2016-2018 had almost no one there "
        "(UN DESA 2015: 39,825, mostly recent). Calibrated.",
    )

    # --- labor market ---
    job_find_rate: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Monthly job-finding probability at full access. Assumption in line with "
        "Latin American job-finding rates of 20-30% a month.",
    )
    job_loss_rate: float = Field(
        0.03, ge=0, le=1, description="Monthly job-loss probability. Assumption."
    )
    absorption: float = Field(
        0.03,
        gt=0,
        le=1,
        description="Recent migrants as a share of a host's population at which their job "
        "finding halves (labor-market crowding). Assumption; calibrated through host stocks.",
    )
    irregular_formal_access: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Access of undocumented migrants to formal jobs before integration. "
        "Assumption.",
    )
    pending_formal_access: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Access of regularization applicants (pending) to formal jobs before "
        "integration. Assumption: an applicant's provisional papers open half the formal "
        "market (Colombia's and Peru's applicants could work while waiting).",
    )
    skill_wage_floor: float = Field(
        0.6,
        gt=0,
        le=2,
        description="Wage multiplier of the least skilled (skill percentile 0); wages are "
        "skill_wage_floor + skill_wage_slope * skill. Assumption: a linear skill premium "
        "averaging 1 over uniform skill, spanning 0.6-1.4 of the host wage (a judgement, not "
        "estimated).",
    )
    skill_wage_slope: float = Field(
        0.8,
        ge=0,
        le=4,
        description="Rise of the wage multiplier from the least to the most skilled. "
        "Assumption (see skill_wage_floor).",
    )
    irregular_wage_factor: float = Field(
        0.7,
        gt=0,
        le=1,
        description="Wage of informal/undocumented work relative to the host wage level. "
        "Assumption: informal earnings penalties of 20-40% in Latin America (ILO 2018).",
    )
    save_rate: float = Field(
        0.15, ge=0, le=1, description="Share of income saved each month. Assumption."
    )
    dissave_rate: float = Field(
        0.1, ge=0, le=1, description="Share of savings spent each month without a job. Assumption."
    )

    # --- integration and status ---
    integration_rate: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Monthly convergence of a migrant's integration to the host's level. "
        "Assumption: half-way in about two years.",
    )
    irregular_integration_factor: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Share of the host's integration level reachable without documents. "
        "Assumption.",
    )
    permit_renewal: float = Field(
        0.8, ge=0, le=1, description="Probability a permit is renewed when it expires. Assumption."
    )
    visa_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of passport holders who hold, or can obtain, the visas legal entry "
        "requires (flowsim.model.classes, tier VISAS): they may fly to a country that requires "
        "a visa of their nationality. They are the best-off of the passport holders, by the "
        "latent that ranks passports (economy.holds_visas), times the nationality's optional "
        "visa_access (countries.csv). 0: a visa requirement closes legal entry to the whole "
        "nationality (the "
        "calibrated baseline, as before this parameter existed). Consulates filter rather "
        "than close: the US refused 81.9% of Cubans' visitor-visa applications in FY2016 (US "
        "Department of State adjusted refusal rates, via https://www.david-ware.com/blog/"
        "2017/04/cuban-citizens-have-the-top-refusal-rate-for-u-s-b-visas/) and more than 60% "
        "of Haitians' in FY2015 (https://visarefusal.com/blog/?p=17), and about half a "
        "million Venezuelans lived in the US by 2020 (UN DESA), few of them counted at the "
        "land border. The default world's visa_access is 1 minus each nationality's US "
        "adjusted B-visa refusal rate (FY2016, countries.csv); one share for every "
        "destination is an assumption (docs/calibration.md, 'Visas filter: a third document "
        "tier' and 'Consulates by nationality').",
    )
    visitor_months: int = Field(
        3,
        ge=1,
        le=24,
        description="Months a legal (visa or visa-free) entrant may stay as a visitor before "
        "overstaying into irregularity. Assumption: the 90-day tourist stay usual in South "
        "America (e.g. Colombia's Permiso de Ingreso y Permanencia).",
    )
    naturalize_after_months: int = Field(
        120,
        ge=12,
        le=600,
        description="Months of regular status before naturalization. Assumption.",
    )


def _number(value: float) -> str:
    """Format a value as the docs show it: whole numbers below 10^7 in full, else 4 digits."""
    if value == int(value) and abs(value) < 1e7:
        return str(int(value))
    return f"{value:.4g}"


def _bounds(name: str) -> str:
    """Return the allowed range of a field as ``≥ a, ≤ b`` / ``> a``."""
    parts = []
    for meta in Parameters.model_fields[name].metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            bound = getattr(meta, attr, None)
            if bound is not None:
                parts.append(f"{sign} {_number(float(bound))}")
    return ", ".join(parts) or "any"


def parameter_row(name: str, calibrated: Mapping[str, float]) -> str:
    """Return the row of ``name`` in the parameter tables of ``docs/ODD.md``.

    Args:
        name: A field of ``Parameters``.
        calibrated: The baseline's calibrated values (``[parameters]`` of
            ``scenarios/calibration/baseline_parameters.toml``); ``—`` when absent.

    Returns:
        ``| `name` | default | calibrated | range | description |``.
    """
    field = Parameters.model_fields[name]
    value = calibrated.get(name)
    shown = "—" if value is None else _number(float(value))
    return (
        f"| `{name}` | {_number(float(field.default))} | {shown} | {_bounds(name)} "
        f"| {field.description} |"
    )


def sync_parameter_rows(text: str, calibrated: Mapping[str, float]) -> str:
    """Rewrite every parameter row of a Markdown document with ``parameter_row``.

    A row is a line starting ``| `name` |`` where ``name`` is a field of ``Parameters``;
    everything else is left as it is.
    """
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("| `"):
            name = line[3 : line.find("`", 3)]
            if name in Parameters.model_fields:
                lines[i] = parameter_row(name, calibrated)
    return "\n".join(lines)


def baseline_calibrated_values() -> dict[str, float]:
    """Return ``[parameters]`` of the shipped calibration layer (empty when it is absent)."""
    import tomllib
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scenarios" / "calibration"
    layer = path / "baseline_parameters.toml"
    if not layer.exists():
        return {}
    data = tomllib.loads(layer.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.get("parameters", {}).items()}
