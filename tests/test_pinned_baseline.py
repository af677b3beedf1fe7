"""Pinned baseline regression: a small baseline run gives exactly the stored outputs.

When this fails after a deliberate change of behaviour, refresh the pin in the same commit
(``make pinned``) and say why in the message; after a refactor it must not fail.
"""

from __future__ import annotations

import json

from pinned_baseline import NO_FADE, PIN, PIN_NO_FADE, differences, pinned_outputs


def test_pinned_baseline_is_unchanged():
    stored = json.loads(PIN.read_text(encoding="utf-8"))
    now = pinned_outputs()
    diff = differences(stored, now)
    assert not diff, (
        f"the baseline's behaviour changed ({len(diff)} differences; refresh with "
        "`make pinned` if intended):\n" + "\n".join(diff[:30])
    )


def test_without_fading_the_model_is_the_ninth_pass_baseline_bit_for_bit():
    # home_fade_years 0 with the ninth pass's b_home reproduces the pin written before the
    # mechanism existed: the path with fading off is the earlier model
    stored = json.loads(PIN_NO_FADE.read_text(encoding="utf-8"))
    diff = differences(stored, pinned_outputs(NO_FADE))
    assert not diff, "\n".join(diff[:30])


def test_differences_are_reported_by_key():
    old = {"a": {"2015": 1.0, "2016": 2.0}, "b": 1}
    assert differences(old, {"a": {"2015": 1.0, "2016": 2.5}, "b": 1}) == [
        "a.2016: stored 2.0, now 2.5"
    ]
    assert differences(old, old) == []
