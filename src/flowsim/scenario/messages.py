"""Plain-language problem messages: validation errors, suggestions, impossible numbers.

Validation errors are turned into one short sentence that says what is allowed and what
was given, without regular expressions or validation-library wording; unknown names get a
"did you mean" suggestion (case-insensitive).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from flowsim.errors import Problem
from flowsim.vocab import MONTH_PATTERN

#: Largest magnitude of any number in a scenario or experiment file: far above every
#: meaningful value (money in USD, months, people) and far below float overflow.
MAX_MAGNITUDE = 1e15

#: Regular expressions of the schemas, as a reader would describe them.
_PATTERNS: dict[str, str] = {
    MONTH_PATTERN: "a month written YYYY-MM, e.g. 2019-06",
    r"^[A-Z]{3}$": "a three-letter ISO3 country code in capitals, e.g. COL",
    r"^[A-Za-z0-9_.\-]+$": "letters, digits, '_', '.' and '-' only",
    r"^[A-Za-z0-9_.-]+$": "letters, digits, '_', '.' and '-' only",
}


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bound(ctx: Mapping[str, Any], key: str) -> str:
    value = ctx.get(key)
    return f"{value:g}" if isinstance(value, float) else str(value)


def plain(err: Mapping[str, Any]) -> str:
    """Return a validation error (a pydantic error dict) as a plain sentence.

    Args:
        err: One entry of ``ValidationError.errors()``.

    Returns:
        ``what is wrong (allowed: ...)``, ending with the value given when useful.
    """
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    got = f"; got {_got(err['input'])}" if "input" in err else ""
    simple = {
        "missing": "required key is missing",
        "greater_than": f"must be above {_bound(ctx, 'gt')}{got}",
        "greater_than_equal": f"must be at least {_bound(ctx, 'ge')}{got}",
        "less_than": f"must be below {_bound(ctx, 'lt')}{got}",
        "less_than_equal": f"must be at most {_bound(ctx, 'le')}{got}",
        "finite_number": f"must be a finite number{got}",
        "string_type": f"must be text in quotes{got}",
        "bool_type": f"must be true or false{got}",
        "bool_parsing": f"must be true or false{got}",
        "list_type": f"must be a list [..]{got}",
        "tuple_type": f"must be a list [..]{got}",
        "dict_type": f"must be a table{got}",
        "model_type": f"must be a table{got}",
        "model_attributes_type": f"must be a table{got}",
        "too_short": f"needs at least {ctx.get('min_length')} item(s){got}",
        "too_long": f"allows at most {ctx.get('max_length')} item(s){got}",
        "string_too_short": f"must not be empty{got}",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters{got}",
    }
    if kind in simple:
        return simple[kind]
    if kind.startswith(("int_", "float_")) or kind in ("int_from_float",):
        what = "a whole number" if kind.startswith("int") else "a number"
        return f"must be {what}{got}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        text = str(err.get("input", ""))
        hint = ""
        if pattern == r"^[A-Z]{3}$" and len(text) == 3 and text.isalpha():
            hint = f"; did you mean {text.upper()!r}?"
        return f"must be {_PATTERNS.get(pattern, 'in the documented form')}{got}{hint}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of {expected}{got}"
    if kind in ("value_error", "assertion_error"):
        return (
            str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        )
    return f"is not allowed here{got}"


def suggestion(value: str, allowed: Iterable[str]) -> str:
    """Return ``"; did you mean 'X'?"`` for the closest allowed name, or ``""``.

    Matching ignores case first (``col`` -> ``COL``), then allows small typos.
    """
    options = [str(a) for a in allowed]
    lower = {a.lower(): a for a in options}
    if str(value).lower() in lower:
        return f"; did you mean {lower[str(value).lower()]!r}?"
    close = difflib.get_close_matches(str(value).lower(), list(lower), n=1, cutoff=0.75)
    return f"; did you mean {lower[close[0]]!r}?" if close else ""


def number_problems(data: Any, file: str, where: str = "") -> list[Problem]:
    """Return a problem for every NaN, infinite or absurdly large number inside ``data``.

    Args:
        data: Parsed TOML (tables, arrays, values).
        file: The file, for the messages.
        where: Dotted key path of ``data``.
    """
    problems: list[Problem] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            problems += number_problems(value, file, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            problems += number_problems(value, file, f"{where}[{i}]")
    elif isinstance(data, bool):
        pass
    elif isinstance(data, float) and not math.isfinite(data):
        problems.append(
            Problem(file, where or "value", f"{data} is not allowed (allowed: finite numbers)")
        )
    elif where.rsplit(".", 1)[-1] == "seed" and isinstance(data, int):
        if not 0 <= data < 2**63:
            problems.append(Problem(file, where, f"{data} is out of range (allowed: 0 to 2**63-1)"))
    elif isinstance(data, int | float) and abs(data) > MAX_MAGNITUDE:
        problems.append(
            Problem(
                file,
                where or "value",
                f"{data:.3g} is too large (allowed: numbers up to {MAX_MAGNITUDE:.0e} in size)",
            )
        )
    return problems
