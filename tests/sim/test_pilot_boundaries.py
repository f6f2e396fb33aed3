"""Hand-computed boundaries of the truth's pilot target (R-PILOT-1/2, domain.md Precise boundaries)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ltu_sim.clock import build_spells
from ltu_sim.indicators import Events, pilot_units


def _events(people: dict[str, dict]) -> Events:
    placements, payments, support, assessments, pilot = [], [], [], [], []
    for cpr, p in people.items():
        placements.append((cpr, pd.Timestamp("2016-03-01")))
        payments += [(cpr, pd.Timestamp(f"2016-{m:02d}-01"), 160.33) for m in (3, 4, 5)]
        if "support" in p:
            support.append((cpr, p["support"][0], pd.Timestamp("2015-10-01"), pd.Timestamp(p["support"][1])))
        assessments.append((cpr, pd.Timestamp(p.get("assessed", "2016-03-10")), p.get("risk", "hoej_risiko")))
        if "intake" in p:
            pilot.append((cpr, pd.Timestamp(p["intake"])))
    pl = pd.DataFrame(placements, columns=["cpr", "placement_date"])
    pay = pd.DataFrame(payments, columns=["cpr", "payment_month", "hours"])
    spells, clock = build_spells(pl, pay, np.datetime64("2024-12", "M"))
    spells = spells.assign(jobcenter_code=101, age=30, origin="dansk", education_level="gymnasial",
                           prior_spell=False)
    frames = {
        "income_support_periods": pd.DataFrame(support, columns=["cpr", "support_type", "from_date", "to_date"]),
        "profile_assessments": pd.DataFrame(assessments, columns=["cpr", "assessed_at", "risk_assessment"]),
        "pilot_participation": pd.DataFrame(pilot, columns=["cpr", "intake_date"]),
    }
    return Events(spells, clock, pd.DataFrame(), frames, np.datetime64("2024-12-31"))


def test_49_days_without_support_su_ignored_and_320_67_hours_used_at_most():
    # Spell start 2016-03-01; 49 days before = 2016-01-12 (2016 is a leap year).
    ev = _events({
        "support_on_day_49": {"support": ("kontanthjaelp", "2016-01-12")},
        "support_until_day_50": {"support": ("kontanthjaelp", "2016-01-11")},
        "su_until_start": {"support": ("su", "2016-02-29")},
        "sick_until_start": {"support": ("sygedagpenge", "2016-02-29")},
        # Clock on 30 April = 320.66 h (March and April in full); on 1 May = 320.66 + 160.33/31.
        "intake_at_320_66": {"intake": "2016-04-30"},
        "intake_at_325_83": {"intake": "2016-05-01"},
        "not_at_risk": {"risk": "ikke_hoej_risiko"},
        "assessed_after_intake": {"intake": "2016-03-05", "assessed": "2016-03-10"},
    })
    u = pilot_units(ev).assign(cpr=lambda f: ev.spells["cpr"].to_numpy()[f["spell"]]).set_index("cpr")
    assert not u.loc["support_on_day_49", "newly"] and u.loc["support_until_day_50", "newly"]
    assert u.loc["su_until_start", "newly"] and not u.loc["sick_until_start", "newly"]
    assert u.loc["intake_at_320_66", "newly"] and not u.loc["intake_at_325_83", "newly"]
    assert u.loc["intake_at_320_66", "participant"]
    assert u.loc["support_until_day_50", "target"] and not u.loc["not_at_risk", "target"]
    # The registered assessment in force at the reference date decides (R-PILOT-2): none yet.
    assert not u.loc["assessed_after_intake", "at_risk"]
    assert str(u.loc["support_until_day_50", "ref"])[:10] == "2016-03-10"  # earliest assessment
