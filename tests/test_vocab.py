"""One vocabulary: every module uses flowsim.vocab's names; no other module keeps a copy."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from flowsim import tables, vocab
from flowsim.model.record import EVENTS
from flowsim.population import COLUMNS

SRC = Path(__file__).resolve().parents[1] / "src" / "flowsim"

#: The vocabularies whose literal spelling may appear only in flowsim/vocab.py.
WORDS = {
    "statuses": set(vocab.STATUS_NAMES),
    "kinds": set(vocab.KIND_NAMES),
    "modes": set(vocab.MODES),
}


def test_codes_match_names():
    assert vocab.STATUS_NAMES[vocab.NATIONAL] == "national"
    assert vocab.STATUS_NAMES[vocab.LABOR_VISA] == "labor_visa"
    assert vocab.KIND_NAMES[vocab.ONWARD] == "onward"
    assert typing.get_args(vocab.StatusName) == vocab.STATUS_NAMES
    assert typing.get_args(vocab.StatusAbroad) == tuple(
        s for s in vocab.STATUS_NAMES if s != "national"
    )
    assert typing.get_args(vocab.ModeName) == vocab.MODES


def test_result_tables_use_the_vocabulary():
    assert tables.STATUSES is vocab.STATUS_NAMES and tables.KINDS is vocab.KIND_NAMES
    assert set(EVENTS) | set(tables.STOCK_VARIABLES) == set(tables.VARIABLES)
    assert COLUMNS["status_until"][1] == vocab.NEVER_MONTH == 2**31 - 1


def _literal_tuples(path: Path) -> list[tuple[int, set[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) or (
            isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("Literal")
        ):
            inner = node.slice if isinstance(node, ast.Subscript) else node
            elts = getattr(inner, "elts", [inner])
            words = {e.value for e in elts if isinstance(e, ast.Constant)}
            found.append((node.lineno, words))
    return found


def test_no_module_keeps_its_own_copy_of_a_vocabulary():
    for path in SRC.rglob("*.py"):
        if path.name == "vocab.py":
            continue
        for line, words in _literal_tuples(path):
            for name, vocabulary in WORDS.items():
                assert not (len(words) >= 3 and words == vocabulary), (
                    f"{path.relative_to(SRC)}:{line} spells out the {name}; "
                    "import them from flowsim.vocab"
                )


def test_never_month_is_written_once():
    # no module but vocab names its own "never" month (other int32 bounds are not months)
    for path in SRC.rglob("*.py"):
        if path.name == "vocab.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    name = ast.unparse(t)
                    assert "NEVER" not in name.upper(), f"{path.relative_to(SRC)} defines {name}"


def test_one_period_grammar_everywhere():
    """The results reader, the report window and the calendar read periods the same way."""
    import pandas as pd

    from flowsim.analysis.periods import parse_range
    from flowsim.calendar import month_date, parse_period
    from flowsim.errors import ResultsError
    from flowsim.results import parse_period as results_period

    for text in ("2025-01/2030-12", "2025/2030", "2025-01:2030-12", " 2021-3 / 2021-07 "):
        first, last = parse_period(text)
        assert results_period(text) == (month_date(first), month_date(last)), text
        assert parse_range(text) == (
            pd.Timestamp(month_date(first)),
            pd.Timestamp(month_date(last)),
        ), text
    assert parse_period("2021") == (2021 * 12, 2021 * 12 + 11)
    for bad in ("2025-13/2026-01", "2030/2025", "soon", "2025/2026/2027", "2025/"):
        with pytest.raises(ValueError):
            parse_period(bad)
        with pytest.raises(ResultsError):
            results_period(bad)
        with pytest.raises(ResultsError):
            parse_range(bad)


def test_no_other_module_writes_a_month_regex():
    src = Path(__file__).resolve().parents[1] / "src" / "flowsim"
    for path in src.rglob("*.py"):
        if path.name in ("vocab.py", "calendar.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert r"\d{4})-(" not in text and r"\d{4}-(0[1-9]" not in text, path
