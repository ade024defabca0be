"""No import cycle between the files of bot/, jobs/ and cards/, nor between their packages.

Every .py file is parsed with `ast`; nothing is imported. A file depends on another when it
imports it while it is being loaded:

- `import a.b` depends on a.b; `from a import b` depends on a.b when that is a file (a
  submodule), otherwise on a; relative imports are resolved against the file's package.
- Imports inside functions (they run on a call, not on loading) and inside
  `if TYPE_CHECKING:` blocks (they never run) are ignored. Imports in class bodies, `try`
  and other module-level blocks count: they run on loading.
- A package's `__init__.py` counts only when something is imported from it by name, not
  whenever one of its submodules is imported.
- Only files of these three packages are nodes: the standard library and third-party
  packages cannot close a cycle through our files.

The cycles that exist today outside bot/store are listed in KNOWN_CYCLES. The test fails on
an import that closes any cycle not in that list, and on a listed cycle that no longer
exists, so the list can only shrink.

Between packages the units are each subpackage or module directly under bot/ (bot.chat,
bot.coffee, bot.store, bot.texts, bot.records, ...), jobs/ and cards/, and every import
counts, also those inside functions and under TYPE_CHECKING: an import that only runs later
still makes one package depend on the other. There must be no cycle at all (no allow-list):
that is what keeps the floors of docs/architecture.md a stack.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "jobs", "cards")

Graph = Mapping[str, set[str]]
Edge = tuple[str, str]
Reader = Callable[[str, str, bool, Iterable[str]], set[str]]

# Cycles between files outside bot/store that exist today, each in import order (the first
# module imports the second, ..., the last the first): to be removed by the architecture step
# (issue 12). Nothing may be added. There are none today: the knot issue 12 describes
# (bot.chat and the features) is between packages, not between files.
KNOWN_CYCLES: tuple[tuple[str, ...], ...] = ()


def modules_under(root: Path, packages: Iterable[str]) -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is a package's __init__.py), for every .py file of `packages`."""
    found: dict[str, tuple[Path, bool]] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join(parts)] = (path, is_package)
    return found


def import_graph(
    modules: Mapping[str, tuple[Path, bool]], reader: Reader | None = None
) -> dict[str, set[str]]:
    """Module -> the modules among `modules` that it imports: while it is loaded, or as
    `reader` (`imports_on_load` or `imports_anywhere`) tells."""
    read = reader or imports_on_load
    return {
        name: read(name, path.read_text(encoding="utf-8"), is_package, modules.keys())
        for name, (path, is_package) in modules.items()
    }


def imports_on_load(module: str, source: str, is_package: bool, known: Iterable[str]) -> set[str]:
    """The modules among `known` that `module` (with this `source`) imports when loaded."""
    nodes = _load_time_imports(ast.parse(source).body)
    return _imported(module, nodes, is_package, known)


def imports_anywhere(module: str, source: str, is_package: bool, known: Iterable[str]) -> set[str]:
    """The modules among `known` that `module` imports anywhere: on loading, in functions and
    under TYPE_CHECKING."""
    nodes = (
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
    )
    return _imported(module, nodes, is_package, known)


def _imported(
    module: str,
    nodes: Iterable[ast.Import | ast.ImportFrom],
    is_package: bool,
    known: Iterable[str],
) -> set[str]:
    known = set(known)
    package = module if is_package else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = _absolute(package, node.module, node.level)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            targets.add(submodule if submodule in known else base)
    return (targets & known) - {module}


def _absolute(package: str, name: str | None, level: int) -> str:
    """The absolute name of `from <level dots><name> import ...` written in `package`."""
    if level == 0:
        return name or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _load_time_imports(body: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue  # runs when called
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _load_time_imports(node.orelse)
        else:
            yield from _load_time_imports(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def cyclic_edges(graph: Graph) -> set[Edge]:
    """The imports that lie on some cycle: those within one strongly connected component."""
    component = _components(graph)
    return {
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if target in component and component[source] == component[target]
    }


def _components(graph: Graph) -> dict[str, int]:
    """Module -> the number of its strongly connected component (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component: dict[str, int] = {}
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        _visit(start, graph, index, low, stack, on_stack, work)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component[member] = index[node]
                        if member == node:
                            break
            elif target not in index:
                _visit(target, graph, index, low, stack, on_stack, work)
            elif target in on_stack:
                low[node] = min(low[node], index[target])
    return component


def _visit(
    node: str,
    graph: Graph,
    index: dict[str, int],
    low: dict[str, int],
    stack: list[str],
    on_stack: set[str],
    work: list[tuple[str, Iterator[str]]],
) -> None:
    index[node] = low[node] = len(index)
    stack.append(node)
    on_stack.add(node)
    work.append((node, iter(sorted(graph.get(node, ())))))


def shortest_cycle_through(graph: Graph, edge: Edge) -> tuple[str, ...]:
    """A shortest cycle that uses `edge`, starting at its smallest module name."""
    source, target = edge
    came_from: dict[str, str] = {}
    queue = deque([target])
    seen = {target}
    while queue:
        node = queue.popleft()
        if node == source:
            break
        for following in sorted(graph.get(node, ())):
            if following not in seen:
                seen.add(following)
                came_from[following] = node
                queue.append(following)
    else:
        raise ValueError(f"{source} -> {target} lies on no cycle")
    path = [source]
    while path[-1] != target:
        path.append(came_from[path[-1]])
    cycle = [source, *reversed(path[1:])]
    first = cycle.index(min(cycle))
    return tuple(cycle[first:] + cycle[:first])


def edges_of(cycle: tuple[str, ...]) -> list[Edge]:
    return [(module, cycle[(i + 1) % len(cycle)]) for i, module in enumerate(cycle)]


def cycle_problems(graph: Graph, known_cycles: Iterable[tuple[str, ...]]) -> list[str]:
    """What is wrong with `graph` given the cycles allowed for now: a cycle through an import
    that no known cycle covers, or a known cycle that no longer exists."""
    known_cycles = list(known_cycles)
    allowed = {edge for cycle in known_cycles for edge in edges_of(cycle)}
    new_cycles = sorted(
        {shortest_cycle_through(graph, edge) for edge in cyclic_edges(graph) - allowed}
    )
    problems = [f"new import cycle: {_show(cycle)}" for cycle in new_cycles]
    problems += [
        f"cycle no longer exists, remove it from KNOWN_CYCLES: {_show(cycle)}"
        for cycle in known_cycles
        if any(target not in graph.get(source, ()) for source, target in edges_of(cycle))
    ]
    return problems


def _show(cycle: tuple[str, ...]) -> str:
    return " -> ".join([*cycle, cycle[0]])


def unit_of(module: str) -> str:
    """The package-level unit of a module: bot.<first part below bot>, else its top package."""
    parts = module.split(".")
    if parts[0] == "bot" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def package_graph(graph: Graph) -> dict[str, set[str]]:
    """Unit -> the other units its modules import (`graph` is between modules)."""
    units: dict[str, set[str]] = {}
    for source, targets in graph.items():
        unit = unit_of(source)
        units.setdefault(unit, set()).update(unit_of(target) for target in targets)
        units[unit].discard(unit)
    return units


def package_cycles(graph: Graph) -> list[tuple[str, ...]]:
    """A shortest cycle through each import between units that lies on a cycle."""
    return sorted({shortest_cycle_through(graph, edge) for edge in cyclic_edges(graph)})


def _example(modules: Graph, edge: Edge) -> str:
    """One module import behind the import `edge` between two units."""
    source, target = edge
    return next(
        f"{module} imports {imported}"
        for module in sorted(modules)
        if unit_of(module) == source
        for imported in sorted(modules[module])
        if unit_of(imported) == target
    )


def test_no_new_import_cycles() -> None:
    graph = import_graph(modules_under(ROOT, PACKAGES))
    assert "bot.store.sql" in graph  # the walk found the files
    assert not [cycle for cycle in KNOWN_CYCLES if any(m.startswith("bot.store") for m in cycle)]
    problems = cycle_problems(graph, KNOWN_CYCLES)
    assert not problems, "\n".join(problems)


def test_no_import_cycle_between_packages() -> None:
    modules = import_graph(modules_under(ROOT, PACKAGES), imports_anywhere)
    graph = package_graph(modules)
    assert {"bot.chat", "bot.coffee", "bot.store", "bot.texts", "jobs", "cards"} <= graph.keys()
    assert "bot.records" in graph["jobs"]  # the walk saw the imports
    problems = [
        f"import cycle between packages: {_show(cycle)}\n"
        + "\n".join(f"    {_example(modules, edge)}" for edge in edges_of(cycle))
        for cycle in package_cycles(graph)
    ]
    assert not problems, "\n".join(problems)


# --- the finder itself, on a small synthetic graph --------------------------------------


def test_cycle_finder_on_a_synthetic_graph() -> None:
    graph = {
        "a": {"b"},
        "b": {"c", "d"},
        "c": {"a"},  # a -> b -> c -> a
        "d": {"e"},
        "e": {"d"},  # d <-> e
        "f": {"a"},  # imports into a cycle, lies on none
    }
    assert cyclic_edges(graph) == {("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "d")}
    assert shortest_cycle_through(graph, ("c", "a")) == ("a", "b", "c")
    assert cycle_problems(graph, [("a", "b", "c"), ("d", "e")]) == []
    assert cycle_problems(graph, [("a", "b", "c")]) == ["new import cycle: d -> e -> d"]
    assert cycle_problems(graph, [("a", "b", "c"), ("d", "e"), ("a", "f")]) == [
        "cycle no longer exists, remove it from KNOWN_CYCLES: a -> f -> a"
    ]
    assert cycle_problems({"a": {"b"}, "b": set()}, []) == []


def test_package_cycles_on_a_synthetic_graph() -> None:
    modules = {
        "bot": set(),
        "bot.records": set(),
        "bot.chat.model": {"bot.records"},
        "bot.chat.dispatch": {"bot.chat.model"},  # within one unit: not an edge
        "bot.coffee.chat": {"bot.chat.model", "cards.base"},
        "bot.coffee.model": set(),
        "cards.base": {"bot.coffee.model"},  # cards -> a feature -> cards
        "jobs.sender": {"bot.chat.model", "bot.records"},
    }
    graph = package_graph(modules)
    assert graph == {
        "bot": set(),
        "bot.records": set(),
        "bot.chat": {"bot.records"},
        "bot.coffee": {"bot.chat", "cards"},
        "cards": {"bot.coffee"},
        "jobs": {"bot.chat", "bot.records"},
    }
    assert package_cycles(graph) == [("bot.coffee", "cards")]
    assert _example(modules, ("cards", "bot.coffee")) == "cards.base imports bot.coffee.model"
    del modules["cards.base"]
    assert package_cycles(package_graph(modules)) == []


def test_which_imports_count(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "VALUE = 1\n",
        "pkg/sub/leaf.py": "",
        "pkg/a.py": (
            "from __future__ import annotations\n"
            "import os\n"
            "from typing import TYPE_CHECKING\n"
            "from pkg.sub import leaf\n"  # a submodule: the file pkg/sub/leaf.py
            "from . import b\n"
            "try:\n"
            "    import pkg.c\n"
            "except ImportError:\n"
            "    pass\n"
            "if TYPE_CHECKING:\n"
            "    from pkg import d\n"
            "else:\n"
            "    from .sub import VALUE\n"  # a name: the package's __init__.py
            "def later() -> None:\n"
            "    from pkg import e\n"
        ),
        "pkg/b.py": "",
        "pkg/c.py": "",
        "pkg/d.py": "",
        "pkg/e.py": "",
        "pkg/sub/up.py": "from ..b import *\nfrom .. import c\nclass K:\n    import pkg.e\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(modules_under(tmp_path, ["pkg"]))
    assert graph["pkg.a"] == {"pkg.sub.leaf", "pkg.b", "pkg.c", "pkg.sub"}
    assert graph["pkg.sub.up"] == {"pkg.b", "pkg.c", "pkg.e"}
    assert graph["pkg"] == set()
    anywhere = import_graph(modules_under(tmp_path, ["pkg"]), imports_anywhere)
    assert anywhere["pkg.a"] == {"pkg.sub.leaf", "pkg.b", "pkg.c", "pkg.d", "pkg.sub", "pkg.e"}
