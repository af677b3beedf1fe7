"""``flowsim schema``: print the JSON Schema of scenario files (for editor completion)."""

from __future__ import annotations

import argparse
import json


def scenario_file_schema() -> dict:
    """JSON Schema of a scenario file as written (``[[policy]]``, ``extends``...)."""
    from flowsim.scenario.schema import Scenario

    schema = Scenario.model_json_schema()
    props = schema["properties"]
    props["policy"] = props.pop("policies")
    props["policy"]["description"] = "Policies as [[policy]] tables, each with a `type`."
    props["extends"] = {"type": "string", "description": "Base scenario name or path."}
    props["remove_policies"] = {
        "type": "array",
        "items": {"type": "string"},
        "description": "Names of base policies to drop.",
    }
    schema["required"] = []
    schema["title"] = "flowsim scenario file"
    return schema


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``schema`` command."""
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema as JSON."""
    print(json.dumps(scenario_file_schema(), indent=2))
    return 0
