"""Command line: `python -m bot serve | ask | content check | content misses`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.content.loader import ContentError, load_pack
from bot.qa.contract import result_to_json
from bot.qa.engine import Answerer
from bot.qa.misses import MissLog
from bot.settings import LANGUAGES, Language, Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Yhteisöbotti")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the bot (HTTP on /api/messages)")
    serve.add_argument("--host", help="listen address (default 127.0.0.1, or BOT_HOST)")
    serve.add_argument("--port", type=int, help="listen port (default 3978, or BOT_PORT)")

    ask = commands.add_parser("ask", help="answer a question from the content pack")
    ask.add_argument(
        "question", nargs="?", help="the question; omit with --json to read lines from stdin"
    )
    ask.add_argument("--lang", choices=LANGUAGES, help="answer in this language")
    ask.add_argument("--json", action="store_true", help="print JSON (JSON Lines for stdin)")

    content = commands.add_parser("content", help="content pack tools")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="validate a content pack and summarise it")
    check.add_argument("path", nargs="?", type=Path, help="pack directory (default CONTENT_DIR)")
    content_commands.add_parser("misses", help="unanswered questions, most frequent first")
    return parser


def _answerer(settings: Settings) -> Answerer:
    return Answerer(load_pack(settings.content_dir))


def _print_text(result_json: dict[str, object], out: TextIO) -> None:
    answer = result_json["answer"]
    if isinstance(answer, dict):
        out.write(f"{answer['title']}\n\n{answer['body']}\n")
        for link in answer["links"]:
            out.write(f"- {link['title']}: {link['url']}\n")
        out.write(f"\n[{answer['id']}, confidence {result_json['confidence']:.2f}]\n")
        return
    suggestions = result_json["suggestions"]
    if isinstance(suggestions, list) and suggestions:
        out.write("Did you mean:\n")
        for item in suggestions:
            out.write(f"- {item['title']} [{item['id']}]\n")
    else:
        out.write("No answer found.\n")


def _ask(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    answerer = _answerer(settings)
    misses = MissLog(settings.misses_path)
    lang: Language | None = args.lang
    if args.question is None:
        if not args.json:
            print(
                "error: give a question, or use --json to read questions from stdin",
                file=sys.stderr,
            )
            return 2
        for line in stdin:
            question = line.rstrip("\n")
            if not question.strip():
                continue
            result = answerer.answer(question, lang=lang, fallback=settings.default_language)
            if not result.answered:
                misses.record(question, result.lang, result.outcome.value)
            out.write(json.dumps(result_to_json(result), ensure_ascii=False) + "\n")
            out.flush()
        return 0
    result = answerer.answer(args.question, lang=lang, fallback=settings.default_language)
    if not result.answered:
        misses.record(args.question, result.lang, result.outcome.value)
    payload = result_to_json(result)
    if args.json:
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        _print_text(payload, out)
    return 0


def _content_check(path: Path, out: TextIO) -> int:
    pack = load_pack(path)
    out.write(
        f"OK: {path}\nversion {pack.version}: "
        f"{len(pack.themes)} themes, {len(pack.entries)} entries\n"
    )
    for theme in pack.themes:
        out.write(f"  {theme.id:<16} {len(pack.entries_of(theme.id)):>3}  {theme.title.fi}\n")
    return 0


def _content_misses(settings: Settings, out: TextIO) -> int:
    misses = MissLog(settings.misses_path).summary()
    if not misses:
        out.write("No unanswered questions recorded.\n")
        return 0
    for miss in misses:
        out.write(f"{miss.count:>5}  {miss.lang}  {miss.outcome:<12}  {miss.question}\n")
    return 0


def main(
    argv: Sequence[str] | None = None, out: TextIO = sys.stdout, stdin: TextIO = sys.stdin
) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "content" and args.content_command == "check" and args.path is not None:
            return _content_check(args.path, out)
        settings = load_settings(host=getattr(args, "host", None), port=getattr(args, "port", None))
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        if args.command == "serve":
            from bot.app import serve

            serve(settings)
            return 0
        if args.command == "ask":
            return _ask(args, settings, out, stdin)
        if args.content_command == "check":
            return _content_check(settings.content_dir, out)
        return _content_misses(settings, out)
    except (SettingsError, ContentError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
