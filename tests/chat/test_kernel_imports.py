"""The import rules of the chat kernel, checked over the source with `ast`: the kernel
imports no feature and no edge, a feature never imports another feature's chat module, and
nothing outside the edges imports the Teams or Graph SDKs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL_MAY_IMPORT = ("bot.chat", "bot.settings", "bot.i18n", "bot.texts", "bot.clock",
                     "bot.records")  # fmt: skip
EDGES = ("bot/teams", "bot/graph", "bot/http")
SDKS = ("botbuilder", "botframework", "msgraph", "azure")


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def ours(module: str) -> bool:
    return module.split(".")[0] in ("bot", "jobs", "cards", "tools")


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def test_the_kernel_imports_no_feature_and_no_edge() -> None:
    wrong = {
        f"{path.name} imports {module}"
        for path in (ROOT / "bot" / "chat").glob("*.py")
        for module in imports_of(path)
        if (ours(module) and not within(module, KERNEL_MAY_IMPORT)) or within(module, SDKS)
    }
    assert wrong == set()


def test_no_feature_imports_another_features_chat_module() -> None:
    wrong = set()
    for path in (ROOT / "bot").glob("*/*.py"):
        package = path.parent.name
        for module in imports_of(path):
            parts = module.split(".")
            other_feature = len(parts) == 3 and parts[1] not in (package, "chat")
            if other_feature and parts[0] == "bot" and parts[2] == "chat":
                wrong.add(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == set()


def test_only_the_edges_import_the_sdks() -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}"
        for folder in ("bot", "jobs", "cards")
        for path in (ROOT / folder).rglob("*.py")
        if not str(path.relative_to(ROOT)).startswith(EDGES) and path.name != "app.py"
        for module in imports_of(path)
        if within(module, SDKS)
    }
    assert wrong == set()


def test_the_rules_catch_a_wrong_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from bot.coffee.chat import feature\nimport botbuilder.core\n")
    assert imports_of(sample) == {"bot.coffee.chat", "botbuilder.core"}
    assert not within("bot.coffee.chat", KERNEL_MAY_IMPORT)
    assert within("botbuilder.core", SDKS)
