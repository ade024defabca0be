"""The direction of imports (ARCHITECTURE.md, section 2), checked over `ast`.

The core — everything in bot/ except its edges (bot/teams, bot/graph, bot/http) and the
places that join the parts (bot/app.py, bot/__main__.py, bot/operations.py) — and jobs/ and
cards/ import no SDK and no edge: they can be tested without HTTP, and an SDK can be
replaced by touching its edge only. cards/ are leaves: they import nothing from jobs/.
Every import counts, also those inside functions and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EDGES = ("bot.teams", "bot.graph", "bot.http")
JOINERS = ("bot.app", "bot.__main__", "bot.operations")
# Third-party packages only an edge may import, by the start of their top-level name:
# "kiota" and "msgraph" also cover kiota_abstractions, kiota_http, msgraph_core and so on.
SDK_PREFIXES = ("aiohttp", "botbuilder", "botframework", "msgraph", "kiota", "azure", "jwt")

# Known offenders that cannot be fixed by a small move, as (module, import), each with the
# reason. Empty: none are left. The test below fails when an entry no longer offends, so the
# list only shrinks.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(source: str, package: str) -> Iterator[str]:
    """Every module `source` imports, absolute (relative ones resolved against `package`)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                parts = package.split(".")
                prefix = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{prefix}.{target}" if target else prefix
            yield target
            # `from bot import http` imports the module bot.http.
            for alias in node.names:
                if _is_module(f"{target}.{alias.name}"):
                    yield f"{target}.{alias.name}"


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def _is_sdk(name: str) -> bool:
    return name.split(".")[0].startswith(SDK_PREFIXES)


def _offences_of(name: str, source: str, package: str) -> set[tuple[str, str]]:
    """(name, import) for each import of module `name` against the layering."""
    found: set[tuple[str, str]] = set()
    is_card = _within(name, ("cards",))
    for imported in _imports(source, package):
        if _is_sdk(imported):
            found.add((name, imported.split(".")[0]))
        forbidden = EDGES + (("jobs",) if is_card else ())  # cards are leaves
        if _within(imported, forbidden):
            found.add((name, imported))
    return found


def _restricted_modules() -> Iterator[tuple[str, Path]]:
    for folder in ("bot", "jobs", "cards"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = _module_name(path)
            if not _within(name, EDGES + JOINERS):
                yield name, path


def offences() -> set[tuple[str, str]]:
    """Every import against the layering in bot/, jobs/ and cards/."""
    found: set[tuple[str, str]] = set()
    for name, path in _restricted_modules():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found |= _offences_of(name, path.read_text(encoding="utf-8"), package)
    return found


def test_the_core_jobs_and_cards_import_no_sdk_and_no_edge() -> None:
    new = sorted(offences() - ALLOWED)
    assert not new, "imports against the layering:\n" + "\n".join(
        f"  {module} imports {imported}" for module, imported in new
    )


def test_the_allow_list_names_only_real_offenders() -> None:
    fixed = sorted(ALLOWED - offences())
    assert not fixed, f"no longer offending, remove them from ALLOWED: {fixed}"


def test_the_check_reads_the_core_and_skips_the_edges() -> None:
    scanned = {name for name, _ in _restricted_modules()}
    assert {"bot.settings", "bot.i18n", "bot.onboarding.service", "bot.store.sql"} <= scanned
    assert {"jobs.sender", "cards.base", "bot.onboarding.cards", "bot.chat.model"} <= scanned
    assert not scanned & {"bot.app", "bot.operations", "bot.teams.handler", "bot.graph.calendar"}
    assert not scanned & {"bot.http", "bot.http.hr_auth", "bot.__main__"}


def test_the_check_catches_every_kind_of_import() -> None:
    source = """
import aiohttp.web
import kiota_http.middleware as middleware
from typing import TYPE_CHECKING
from bot.i18n import Language
from bot import http, texts
from ..graph.calendar import GraphCalendar
from . import chat
from jobs.calendar import Schedule
import httpx, holidays

def later() -> None:
    from azure.identity import DefaultAzureCredential

if TYPE_CHECKING:
    from botbuilder.core import TurnContext
"""
    assert _offences_of("cards.example", source, "bot.coffee") == {
        ("cards.example", "aiohttp"),
        ("cards.example", "kiota_http"),
        ("cards.example", "bot.http"),
        ("cards.example", "bot.graph.calendar"),
        ("cards.example", "jobs.calendar"),
        ("cards.example", "azure"),
        ("cards.example", "botbuilder"),
    }
    # The same imports are fine for jobs/ as far as jobs.calendar goes, never for the SDKs.
    assert ("jobs.example", "jobs.calendar") not in _offences_of("jobs.example", source, "jobs")
    assert ("jobs.example", "msgraph_core") in _offences_of(
        "jobs.example", "from msgraph_core import APIVersion", "jobs"
    )


def test_test_files_have_unique_names() -> None:
    """Tests mirror the packages; two test files of one name make failures ambiguous and
    pytest's rootdir-relative ids easy to confuse."""
    names: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
