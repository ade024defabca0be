"""Check every card the bot can send: the Adaptive Cards object model plus our own rules.

Usage (from the repository root, after ``make tools``)::

    .venv/bin/python tools/cards_check.py [--json]

It builds the sample cards (:func:`tools.card_samples.sample_cards` on the bundled content pack,
every kind in fi, sv and en), hands them as JSON to ``node tools/validate-cards.mjs``
(the npm ``adaptivecards`` object model, schema 1.5, Teams rules) and applies the rules
that are ours (:func:`card_problems`): size, unique input ids, a handler for every
``Action.Execute`` verb, and the accessibility rules of ``docs/accessibility.md``.
Exit status 0 when every card passes, 1 when one does not, 2 when Node.js or the pinned
npm packages are missing.

The bot never imports this module: Node.js is a build and test tool here, not a run-time
dependency. ``tests/cards/test_card_validation.py`` runs the same checks in ``make test``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOOLS_DIR = ROOT / "tools"
VALIDATE_SCRIPT = TOOLS_DIR / "validate-cards.mjs"
NODE_MODULES = TOOLS_DIR / "node_modules"

# Teams refuses a message over about 28 KB; the card is most of it.
MAX_CARD_BYTES = 28 * 1024
# TextBlock sizes that read as a heading; such a block must say so with style "heading".
HEADING_SIZES = frozenset({"Large", "ExtraLarge"})
NODE_TIMEOUT_S = 60.0

Card = Mapping[str, Any]


class ToolsMissing(RuntimeError):
    """Node.js or the pinned npm packages are not installed (``make tools``)."""


@dataclass(frozen=True)
class Problem:
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class ModelResult:
    """What the object model said about one card."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    elements: int = 0
    actions: int = 0


@dataclass(frozen=True)
class ModelReport:
    adaptivecards_version: str
    target_version: str
    cards: dict[str, ModelResult]


def walk(node: object) -> Iterator[dict[str, Any]]:
    """Every JSON object in a card, depth first (ShowCard cards and fallbacks included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def card_size(card: Card) -> int:
    """Bytes of the card as it goes over the wire (compact UTF-8 JSON)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_action(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    return isinstance(kind, str) and kind.startswith("Action.")


def card_problems(card: Card, verbs: Collection[str]) -> list[Problem]:
    """Our rules for one card; ``verbs`` are the Action.Execute verbs that have a handler."""
    problems: list[Problem] = []
    size = card_size(card)
    if size > MAX_CARD_BYTES:
        problems.append(Problem("TooLarge", f"{size} bytes, Teams takes at most {MAX_CARD_BYTES}"))
    # Screen-reader users move between chat messages by heading: every card starts one.
    if not any(n.get("type") == "TextBlock" and n.get("style") == "heading" for n in walk(card)):
        problems.append(Problem("CardWithoutHeading", "no TextBlock with style: heading"))
    seen_ids: set[str] = set()
    for node in walk(card):
        kind = node.get("type")
        if not isinstance(kind, str):
            continue
        label = f"{kind} {node['id']!r}" if isinstance(node.get("id"), str) else kind
        if kind.startswith("Input."):
            input_id = node.get("id")
            if not _text(input_id):
                problems.append(Problem("InputWithoutId", f"{label} has no id"))
            elif input_id in seen_ids:
                problems.append(Problem("DuplicateInputId", f"input id {input_id!r} is used twice"))
            else:
                seen_ids.add(str(input_id))
            if not _text(node.get("label")):
                problems.append(Problem("InputWithoutLabel", f"{label} has no label"))
        if kind == "Image" and not _text(node.get("altText")):
            problems.append(
                Problem("ImageWithoutAltText", f"{label} ({node.get('url')}) has no altText")
            )
        if kind == "Action.Execute":
            verb = node.get("verb")
            if verb not in verbs:
                problems.append(
                    Problem("VerbWithoutHandler", f"Action.Execute verb {verb!r} has no handler")
                )
        if _is_action(node) and not _text(node.get("title")):
            problems.append(
                Problem("ActionWithoutTitle", f"{label} has no title (screen readers read it)")
            )
        if kind == "TextBlock":
            if node.get("wrap") is not True:
                preview = str(node.get("text", ""))[:40]
                problems.append(
                    Problem("TextDoesNotWrap", f"TextBlock {preview!r} lacks wrap: true")
                )
            if node.get("size") in HEADING_SIZES and node.get("style") != "heading":
                preview = str(node.get("text", ""))[:40]
                problems.append(
                    Problem(
                        "HeadingWithoutStyle",
                        f"TextBlock {preview!r} looks like a heading but lacks style: heading",
                    )
                )
    return problems


def node_command() -> str:
    """The node executable; :class:`ToolsMissing` when Node.js or the npm packages are missing."""
    node = shutil.which("node")
    if node is None:
        raise ToolsMissing("Node.js is not installed: the card validator runs on Node.js 20")
    if not (NODE_MODULES / "adaptivecards").is_dir():
        raise ToolsMissing(
            f"{NODE_MODULES} has no adaptivecards package: run `make tools` (npm ci --prefix tools)"
        )
    return node


def _problems(raw: object) -> list[Problem]:
    if not isinstance(raw, list):
        return []
    return [
        Problem(str(item.get("code", "?")), str(item.get("message", "")))
        for item in raw
        if isinstance(item, dict)
    ]


def parse_report(stdout: str) -> ModelReport:
    """The JSON that validate-cards.mjs prints, as typed objects."""
    data = json.loads(stdout)
    if not isinstance(data, dict) or not isinstance(data.get("cards"), dict):
        raise ValueError("validate-cards.mjs printed no 'cards' object")
    cards: dict[str, ModelResult] = {}
    for name, result in data["cards"].items():
        if not isinstance(result, dict):
            raise ValueError(f"validate-cards.mjs: result of {name!r} is not an object")
        cards[str(name)] = ModelResult(
            errors=_problems(result.get("errors")),
            warnings=_problems(result.get("warnings")),
            elements=int(result.get("elements", 0)),
            actions=int(result.get("actions", 0)),
        )
    return ModelReport(str(data.get("adaptivecards")), str(data.get("targetVersion")), cards)


def validate_with_object_model(cards: Mapping[str, Card]) -> ModelReport:
    """Run the Adaptive Cards object model (Node.js) on the named cards."""
    node = node_command()
    # Our own script with our own cards on standard input: no untrusted input.
    completed = subprocess.run(  # noqa: S603
        [node, str(VALIDATE_SCRIPT), "-"],
        input=json.dumps(dict(cards), ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=NODE_TIMEOUT_S,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode not in (0, 1):
        raise ToolsMissing(
            f"validate-cards.mjs failed (exit {completed.returncode}): {completed.stderr.strip()}"
        )
    return parse_report(completed.stdout)


def sample_cards() -> dict[str, dict[str, Any]]:
    """Every card the bot can send, in fi, sv and en, from the bundled content pack."""
    from bot.content.loader import load_pack
    from bot.settings import BUNDLED_CONTENT_DIR
    from tools.card_samples import sample_cards as build

    return build(load_pack(BUNDLED_CONTENT_DIR))


def handled_verbs() -> frozenset[str]:
    """The card verbs the bot's features handle, joined as the composition root joins them
    (over a throwaway database: building a feature touches nothing)."""
    import asyncio
    import tempfile

    from bot.app import build_features
    from bot.chat.dispatch import join_actions
    from bot.clock import system_clock
    from bot.content.loader import load_pack
    from bot.qa.engine import build_answerer
    from bot.settings import BUNDLED_CONTENT_DIR, load_settings
    from bot.store.sql import open_store

    async def verbs(directory: str) -> frozenset[str]:
        store = await open_store(f"sqlite+aiosqlite:///{directory}/verbs.db", clock=system_clock)
        try:
            features = build_features(
                load_settings({"DATA_DIR": directory, "SCHEDULER": "off"}),
                # Only the verbs are wanted: no model or analyser needs loading for them.
                answerer=build_answerer(
                    load_pack(BUNDLED_CONTENT_DIR), semantic=False, morphology=False
                ),
                store=store,
                clock=system_clock,
            )
            return frozenset(join_actions(features))
        finally:
            await store.close()

    with tempfile.TemporaryDirectory() as directory:
        return asyncio.run(verbs(directory))


def check_all(cards: Mapping[str, Card], verbs: Collection[str]) -> dict[str, list[Problem]]:
    """Every problem of every card: the object model's errors first, then our rules."""
    report = validate_with_object_model(cards)
    problems: dict[str, list[Problem]] = {}
    for name, card in cards.items():
        result = report.cards.get(name, ModelResult(errors=[Problem("NotValidated", "no result")]))
        problems[name] = [*result.errors, *result.warnings, *card_problems(card, verbs)]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/cards_check.py",
        description="Validate every sample card: Adaptive Cards object model and our rules.",
    )
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    args = parser.parse_args(argv)
    cards = sample_cards()
    try:
        problems = check_all(cards, handled_verbs())
    except ToolsMissing as exc:
        print(f"cards_check: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({name: [str(p) for p in found] for name, found in problems.items()}))
    else:
        for name, found in problems.items():
            for problem in found:
                print(f"{name}: {problem}")
        bad = sum(1 for found in problems.values() if found)
        print(f"cards_check: {len(cards)} card(s), {bad} with problems", file=sys.stderr)
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
