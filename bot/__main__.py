"""Command line: `python -m bot serve | ask | content | db | deliveries | send-now`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.clock import Clock, system_clock
from bot.content.loader import ContentError, load_pack
from bot.i18n import LANGUAGES, Language
from bot.onboarding.cli import add_parser as add_onboarding_parser
from bot.qa.contract import result_to_json
from bot.qa.engine import QaResult, answerer_for
from bot.qa.misses import prepare_miss
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import Store
from bot.store.sql import open_store


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

    db = commands.add_parser("db", help="database tools")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations to DATABASE_URL")
    copy = db_commands.add_parser("copy", help="copy every table to another, empty database")
    copy.add_argument("--to", required=True, dest="target", help="target database URL")

    deliveries = commands.add_parser("deliveries", help="delivery counts per state and failures")
    deliveries.add_argument("--occurrence", help="only this occurrence, e.g. tips:2026-11-30")

    send_now = commands.add_parser("send-now", help="create today's occurrence now and send it")
    send_now.add_argument("schedule", choices=("tips", "nudges"))
    add_onboarding_parser(commands)
    return parser


async def _record_miss(store: Store, result: QaResult, question: str, clock: Clock) -> None:
    miss = prepare_miss(question) if not result.answered else None
    if miss is not None:
        await store.record_miss(miss, result.lang, result.outcome.value, clock())


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


async def _ask(
    args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO, clock: Clock
) -> int:
    if args.question is None and not args.json:
        print("error: give a question, or use --json to read questions from stdin", file=sys.stderr)
        return 2
    answerer = answerer_for(settings)
    store = await open_store(settings.database, clock=clock)
    lang: Language | None = args.lang
    try:
        questions = [args.question] if args.question is not None else stdin
        for line in questions:
            question = line.rstrip("\n")
            if args.question is None and not question.strip():
                continue
            result = answerer.answer(question, lang=lang, fallback=settings.default_language)
            await _record_miss(store, result, question, clock)
            payload = result_to_json(result)
            if args.json:
                out.write(json.dumps(payload, ensure_ascii=False) + "\n")
                out.flush()
            else:
                _print_text(payload, out)
    finally:
        await store.close()
    return 0


def _content_check(path: Path, out: TextIO) -> int:
    pack = load_pack(path)
    out.write(
        f"OK: {path}\nversion {pack.version}: "
        f"{len(pack.themes)} themes, {len(pack.entries)} entries, {len(pack.nudges)} nudges\n"
    )
    for theme in pack.themes:
        out.write(f"  {theme.id:<16} {len(pack.entries_of(theme.id)):>3}  {theme.title.fi}\n")
    return 0


async def _content_misses(settings: Settings, out: TextIO, clock: Clock) -> int:
    store = await open_store(settings.database, clock=clock)
    try:
        misses = await store.misses()
    finally:
        await store.close()
    if not misses:
        out.write("No unanswered questions recorded.\n")
        return 0
    for miss in misses:
        out.write(f"{miss.count:>5}  {miss.lang}  {miss.outcome:<12}  {miss.question}\n")
    return 0


async def _run(
    args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO, clock: Clock
) -> int:
    if args.command == "ask":
        return await _ask(args, settings, out, stdin, clock)
    if args.command == "content":
        if args.content_command == "check":
            return _content_check(settings.content_dir, out)
        return await _content_misses(settings, out, clock)
    from bot import operations  # the operator tools load the pipeline only when used

    if args.command == "db":
        if args.db_command == "upgrade":
            return await operations.db_upgrade(settings, out)
        return await operations.db_copy(settings, args.target, out)
    if args.command == "deliveries":
        return await operations.deliveries(settings, args.occurrence, out, clock)
    if args.command == "onboarding":
        return await operations.onboarding(settings, args, out, clock)
    return await operations.send_now(settings, args.schedule, out, clock)


def main(
    argv: Sequence[str] | None = None,
    out: TextIO = sys.stdout,
    stdin: TextIO = sys.stdin,
    clock: Clock = system_clock,
) -> int:
    """The command line; `clock` is the wall clock every command is given (tests fix it)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "content" and args.content_command == "check" and args.path:
            return _content_check(args.path, out)
        settings = load_settings(host=getattr(args, "host", None), port=getattr(args, "port", None))
        logging.basicConfig(
            level=settings.log_level if args.command == "serve" else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if args.command == "serve":
            from bot.app import serve

            serve(settings, clock)
            return 0
        return asyncio.run(_run(args, settings, out, stdin, clock))
    except (SettingsError, ContentError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
