"""Policies at run time: resolved against the world, applied each month as effects."""

from flowsim.policies.base import REGISTRY, RuntimePolicy, build_policies
from flowsim.policies.effects import Effects

__all__ = ["REGISTRY", "Effects", "RuntimePolicy", "build_policies"]
