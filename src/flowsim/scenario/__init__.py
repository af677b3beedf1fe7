"""Scenario files: schema, loading with ``extends``, checks and overrides."""

from flowsim.scenario.load import load_scenario, validate_files
from flowsim.scenario.schema import RunSettings, Scenario

__all__ = ["RunSettings", "Scenario", "load_scenario", "validate_files"]
