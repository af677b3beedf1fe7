"""Policy families as written in scenario files: re-exported from ``flowsim.policies``.

Each family's schema lives in its own module of ``flowsim.policies.families`` next to its
runtime behaviour; this module only gives the scenario package one place to import them.
"""

from __future__ import annotations

from flowsim.policies.base import PolicySpec
from flowsim.policies.registry import POLICY_SPECS, Policy
from flowsim.vocab import ISO3, MonthText, Probability

#: Former name of ``PolicySpec``.
PolicyBase = PolicySpec

__all__ = ["ISO3", "POLICY_SPECS", "MonthText", "Policy", "PolicyBase", "PolicySpec", "Probability"]
