"""Policies: one module per family (file schema, runtime, effects written), one registry.

See ``flowsim.policies.base`` for what a family is and ``docs/architecture.md`` for how to
add one.
"""

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.policies.effects import Effects
from flowsim.policies.registry import FAMILIES, POLICY_SPECS, Policy, build_policies

__all__ = [
    "FAMILIES",
    "POLICY_SPECS",
    "Effects",
    "Policy",
    "PolicySpec",
    "RuntimePolicy",
    "build_policies",
]
