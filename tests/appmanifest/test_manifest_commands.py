"""The Teams app package against the bot: every command the manifest offers is one the bot
understands, in the language it is offered in; and the package passes the JSON schemas
bundled in @microsoft/app-manifest (offline, through appmanifest/build.py's Node.js hook,
which `make package` uses; build_package turning its problems into a PackageError is tested
in test_appmanifest.py). Needs ``make tools`` (``make test`` runs it first).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.chat.commands import CommandParser
from bot.chat.dispatch import Dispatcher

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "appmanifest" / "build.py"
COMMANDS_JSON = ROOT / "appmanifest" / "commands.json"
APP_ID = "12345678-abcd-4ef0-9876-0123456789ab"


def _json(data: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(data.decode("utf-8"))
    return value


def _understood_as(parser: CommandParser, title: str, command_id: str, lang: str) -> str | None:
    """Why the bot does not take `title` as command `command_id` in `lang`, or None."""
    command = parser.parse(title)
    if command is None:
        return f"{title!r} ({lang}) is not a command of the bot"
    if command.name != command_id:
        return f"{title!r} ({lang}) is the bot's command {command.name!r}, not {command_id!r}"
    # None: the phrase is the same in two languages ("tips"); the user's locale decides.
    if command.lang not in (lang, None):
        return f"{title!r} is the bot's command in {command.lang!r}, offered in {lang!r}"
    return None


# ------------------------------------------------------------------ commands


def test_every_command_in_commands_json_is_a_phrase_of_the_bot_in_its_language(
    chat: Dispatcher,
) -> None:
    commands = json.loads(COMMANDS_JSON.read_text(encoding="utf-8"))["commands"]
    assert commands, "commands.json lists no command"
    problems = []
    for command in commands:
        phrases = chat.parser.phrases.get(command["id"])
        if phrases is None:
            problems.append(f"command {command['id']!r} is not a phrase of any feature")
            continue
        for lang, title in command["title"].items():
            word = title.strip().lower()
            if phrases.get(word, "missing") not in (lang, None):
                problems.append(f"the phrases of {command['id']!r} lack {word!r} in {lang!r}")
            if (why := _understood_as(chat.parser, title, command["id"], lang)) is not None:
                problems.append(why)
    assert problems == []


def test_every_command_of_the_built_manifest_reaches_the_bot(
    build: ModuleType, files: dict[str, bytes], chat: Dispatcher
) -> None:
    manifest = _json(files["manifest.json"])
    default_lang = manifest["localizationInfo"]["defaultLanguageTag"]
    ids = [c.id for c in build.load_commands(COMMANDS_JSON)]
    offered: list[tuple[str, str, str]] = []  # (title, command id, language)
    for command_list in manifest["bots"][0]["commandLists"]:
        assert [c["title"] for c in command_list["commands"]], "an empty command list"
        for index, command in enumerate(command_list["commands"]):
            offered.append((command["title"], ids[index], default_lang))
    for language in manifest["localizationInfo"]["additionalLanguages"]:
        localization = _json(files[language["file"]])
        for key, title in localization.items():
            if key.startswith("bots[0].commandLists[") and key.endswith(".title"):
                index = int(key.split(".commands[")[1].split("]")[0])
                offered.append((title, ids[index], language["languageTag"]))

    assert {lang for _, _, lang in offered} == {"fi", "en", "sv"}
    problems = [why for args in offered if (why := _understood_as(chat.parser, *args)) is not None]
    assert problems == []


def test_a_command_the_bot_does_not_know_is_caught(chat: Dispatcher) -> None:
    assert _understood_as(chat.parser, "kahvitauko", "help", "fi") is not None
    assert _understood_as(chat.parser, "help", "themes", "en") is not None
    assert _understood_as(chat.parser, "hjälp", "help", "fi") is not None  # Swedish, as Finnish
    assert _understood_as(chat.parser, "tips", "tip", "sv") is None  # sv and en: locale decides


# ------------------------------------------------------------------ the JSON schemas


def test_the_package_passes_the_bundled_teams_schemas(
    build: ModuleType, files: dict[str, bytes]
) -> None:
    assert build.node_schema_validator(files) == []


def test_the_validator_names_schema_problems_of_manifest_and_localization(
    build: ModuleType, files: dict[str, bytes]
) -> None:
    manifest = _json(files["manifest.json"])
    manifest["bots"][0]["scopes"].append("everywhere")
    manifest["unknownField"] = True
    english = _json(files["en.json"])
    english["name.full"] = ""
    broken = dict(files)
    broken["manifest.json"] = json.dumps(manifest).encode()
    broken["en.json"] = json.dumps(english).encode()

    problems = build.node_schema_validator(broken)

    assert any("manifest.json: /bots/0/scopes/3" in p for p in problems), problems
    assert any("unknownField" in p for p in problems), problems
    assert any(p.startswith("schema: en.json: /name.full") for p in problems), problems
    assert not any("sv.json" in p for p in problems), problems


def test_without_the_npm_packages_the_validator_says_how_to_install_them(
    build: ModuleType, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(build, "TOOLS_DIR", tmp_path)

    problems = build.node_schema_validator(files)

    assert len(problems) == 1 and "make tools" in problems[0]
