"""tools/mutate.py makes each mutant it promises, and only that change."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate_tool", ROOT / "tools" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate_tool"] = module
    spec.loader.exec_module(module)
    return module


SOURCE = """
def gate(score, limit):
    if score < limit and not score is None:
        raise ValueError("low")
    return score + 1
"""


def test_every_promised_mutant_is_made_once_and_changes_only_its_node() -> None:
    tool = load_tool()
    tree = ast.parse(SOURCE)
    made = {
        label.split(": ", 1)[1]: tool.mutate(tree, m)
        for m in tool.mutants(tree)
        for label in [m[1]]
    }
    assert set(made) == {
        "Lt -> LtE",
        "Is -> IsNot",
        "and/or swapped",
        "not dropped",
        "raise dropped",
        "returns None",
        "Add swapped",
    }
    assert "score <= limit" in made["Lt -> LtE"]
    assert "score < limit or" in made["and/or swapped"]
    assert "not" not in made["not dropped"].split("if", 1)[1].split(":", 1)[0]
    assert "raise" not in made["raise dropped"] and "pass" in made["raise dropped"]
    assert "return None" in made["returns None"]
    assert "score - 1" in made["Add swapped"]
    original = ast.unparse(tree)
    assert all(mutant != original for mutant in made.values())
