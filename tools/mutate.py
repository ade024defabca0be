#!/usr/bin/env python3
"""A small mutation tester for decision and security code: is every decision pinned by a test?

    .venv/bin/python tools/mutate.py bot/qa/gates.py tests/qa/test_qa_gates.py

Each mutant changes one thing in the module: a comparison (< and <=, == and !=, is and is
not), + and -, `and` and `or`, a `not` dropped, a `raise` dropped, a `return` made to return
None. The given tests run against each mutant (pytest -x); a mutant they do not fail is
printed as SURVIVED with its line. The module is restored at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import ast
import copy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SWAPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
}
Mutant = tuple[int, str, str, int]  # node index, label, kind, operator index


def mutants(tree: ast.Module) -> Iterator[Mutant]:
    for index, node in enumerate(ast.walk(tree)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                if type(op) in SWAPS:
                    swapped = SWAPS[type(op)].__name__
                    yield index, f"line {line}: {type(op).__name__} -> {swapped}", "cmp", position
        elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in SWAPS:
            yield index, f"line {line}: {type(node.op).__name__} swapped", "op", 0
        elif isinstance(node, ast.BoolOp):
            yield index, f"line {line}: and/or swapped", "bool", 0
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield index, f"line {line}: not dropped", "not", 0
        elif isinstance(node, ast.Raise):
            yield index, f"line {line}: raise dropped", "raise", 0
        elif isinstance(node, ast.Return) and node.value is not None:
            yield index, f"line {line}: returns None", "return", 0


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put `new` where `old` stands in `tree`, as a field or inside a list field."""
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for position, item in enumerate(value):
                    if item is old:
                        value[position] = new
                        return


def mutate(tree: ast.Module, mutant: Mutant) -> str:
    index, _, kind, position = mutant
    copied = copy.deepcopy(tree)
    node = list(ast.walk(copied))[index]
    if kind == "cmp" and isinstance(node, ast.Compare):
        node.ops[position] = SWAPS[type(node.ops[position])]()  # type: ignore[call-overload]
    elif kind == "op" and isinstance(node, ast.BinOp | ast.AugAssign):
        node.op = SWAPS[type(node.op)]()  # type: ignore[assignment]
    elif kind == "bool" and isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "not" and isinstance(node, ast.UnaryOp):
        _replace(copied, node, node.operand)
    elif kind == "raise":
        _replace(copied, node, ast.Pass())
    elif kind == "return" and isinstance(node, ast.Return):
        node.value = ast.Constant(None)
    return ast.unparse(ast.fix_missing_locations(copied))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", type=Path, help="the module to mutate, e.g. bot/qa/gates.py")
    parser.add_argument("tests", nargs="+", help="the tests that should notice")
    args = parser.parse_args()
    module: Path = (ROOT / args.module).resolve()
    source = module.read_text(encoding="utf-8")
    tree = ast.parse(source)
    killed = survived = 0
    try:
        for mutant in mutants(tree):
            module.write_text(mutate(tree, mutant), encoding="utf-8")
            run = subprocess.run(  # noqa: S603 - our own interpreter and the given tests
                [sys.executable, "-m", "pytest", "-q", "-x", *args.tests],
                cwd=ROOT,
                capture_output=True,
                check=False,
            )
            if run.returncode == 0:
                survived += 1
                print(f"SURVIVED {mutant[1]}", flush=True)
            else:
                killed += 1
    finally:
        module.write_text(source, encoding="utf-8")
    total = killed + survived
    print(
        f"mutants {total}, killed {killed}, survived {survived}, score {killed / max(1, total):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
