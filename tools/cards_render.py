"""Render every card the bot can send in headless Chromium: the card gallery and its test.

Usage (from the repository root; ``make cards-gallery`` does this)::

    .venv/bin/python tools/cards_render.py --out docs/cards [--only NAME,...]
        [--themes light,dark]

It builds the sample cards (:func:`tools.card_samples.sample_cards`, every kind in fi, sv and
en) and hands them to ``node tools/render-cards.mjs``, which renders each one with the
Adaptive Cards JavaScript renderer and a Teams-like host config in Debian's Chromium
(through playwright-core), light and dark, and writes ``<name>-<theme>.png``. Every
renderer error or warning is printed; with ``--strict`` the exit status is then 1. It is 2
when Chromium, Node.js or the npm packages are missing.

``tests/cards/test_card_render.py`` runs the same rendering without writing PNGs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOOLS_DIR = ROOT / "tools"
RENDER_SCRIPT = TOOLS_DIR / "render-cards.mjs"
NODE_MODULES = TOOLS_DIR / "node_modules"
GALLERY_DIR = ROOT / "docs" / "cards"
THEMES = ("light", "dark")
# Debian's package; CHROMIUM overrides it (another build, another path).
DEFAULT_CHROMIUM = "/usr/bin/chromium"
RENDER_TIMEOUT_S = 300.0


class RendererMissing(RuntimeError):
    """Chromium, Node.js or the pinned npm packages are not installed."""


@dataclass(frozen=True)
class Rendering:
    """What the renderer said about one card in one theme."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Hints that depend on the fonts (a button title cut off): shown, never failing.
    notes: list[str] = field(default_factory=list)
    png: Path | None = None
    height: int = 0


@dataclass(frozen=True)
class RenderReport:
    adaptivecards_version: str
    chromium_version: str
    cards: dict[str, dict[str, Rendering]]

    def problems(self) -> list[str]:
        """Every error and warning as '<card> <theme>: <message>'."""
        return [
            f"{name} {theme}: {message}"
            for name, themes in self.cards.items()
            for theme, rendering in themes.items()
            for message in [*rendering.errors, *rendering.warnings]
        ]

    def notes(self) -> list[str]:
        """Every note as '<card> <theme>: note: <message>'."""
        return [
            f"{name} {theme}: note: {message}"
            for name, themes in self.cards.items()
            for theme, rendering in themes.items()
            for message in rendering.notes
        ]


def chromium_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The Chromium to render with, or None when none is installed."""
    env = os.environ if environ is None else environ
    candidate = env.get("CHROMIUM") or DEFAULT_CHROMIUM
    if Path(candidate).is_file():
        return Path(candidate)
    found = shutil.which("chromium")
    return Path(found) if found else None


def missing_renderer(environ: Mapping[str, str] | None = None) -> str | None:
    """Why cards cannot be rendered here, or None when everything is installed."""
    if shutil.which("node") is None:
        return "Node.js is not installed (the renderer runs on Node.js 20)"
    if not (NODE_MODULES / "playwright-core").is_dir():
        return f"{NODE_MODULES} has no playwright-core: run `make tools`"
    if chromium_path(environ) is None:
        return (
            "Chromium is not installed: `make browser` installs Debian's chromium when run "
            "as root (or apt-get install chromium; CHROMIUM=/path selects another build)"
        )
    return None


def _strings(raw: object) -> list[str]:
    return [str(item) for item in raw] if isinstance(raw, list) else []


def parse_report(stdout: str) -> RenderReport:
    """The JSON that render-cards.mjs prints, as typed objects."""
    data = json.loads(stdout)
    if not isinstance(data, dict) or not isinstance(data.get("cards"), dict):
        raise ValueError("render-cards.mjs printed no 'cards' object")
    cards: dict[str, dict[str, Rendering]] = {}
    for name, themes in data["cards"].items():
        if not isinstance(themes, dict):
            raise ValueError(f"render-cards.mjs: result of {name!r} is not an object")
        cards[str(name)] = {}
        for theme, result in themes.items():
            if not isinstance(result, dict):
                raise ValueError(f"render-cards.mjs: {name!r} {theme!r} is not an object")
            png = result.get("png")
            cards[str(name)][str(theme)] = Rendering(
                errors=_strings(result.get("errors")),
                warnings=_strings(result.get("warnings")),
                notes=_strings(result.get("notes")),
                png=Path(png) if isinstance(png, str) else None,
                height=int(result.get("height") or 0),
            )
    return RenderReport(str(data.get("adaptivecards")), str(data.get("chromium")), cards)


def render_cards(
    cards: Mapping[str, Mapping[str, Any]],
    *,
    out: Path | None = None,
    themes: Sequence[str] = THEMES,
    only: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> RenderReport:
    """Render the named cards in every theme; with ``out``, write PNGs there."""
    reason = missing_renderer(environ)
    if reason is not None:
        raise RendererMissing(reason)
    node = shutil.which("node")
    chromium = chromium_path(environ)
    assert node is not None and chromium is not None  # missing_renderer checked both
    command = [node, str(RENDER_SCRIPT), "--chromium", str(chromium), "--themes", ",".join(themes)]
    if out is not None:
        command += ["--out", str(out)]
    if only:
        command += ["--only", ",".join(only)]
    # Our own script with our own cards on standard input: no untrusted input.
    completed = subprocess.run(  # noqa: S603
        [*command, "-"],
        input=json.dumps(dict(cards), ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RENDER_TIMEOUT_S,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode not in (0, 1):
        raise RendererMissing(
            f"render-cards.mjs failed (exit {completed.returncode}): {completed.stderr.strip()}"
        )
    return parse_report(completed.stdout)


def sample_cards() -> dict[str, dict[str, Any]]:
    """Every card the bot can send, in fi, sv and en, from the bundled content pack."""
    from bot.content.loader import load_pack
    from bot.settings import BUNDLED_CONTENT_DIR
    from tools.card_samples import sample_cards as build

    return build(load_pack(BUNDLED_CONTENT_DIR))


def _names(value: str) -> list[str]:
    return [part for part in value.split(",") if part]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/cards_render.py",
        description="Render the sample cards in headless Chromium to PNG files.",
    )
    parser.add_argument(
        "--out", type=Path, default=GALLERY_DIR, help="folder for the PNGs (docs/cards)"
    )
    parser.add_argument("--only", type=_names, default=[], help="card names, comma-separated")
    parser.add_argument(
        "--themes", type=_names, default=list(THEMES), help="light,dark (default: both)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when the renderer reports an error or a warning (the test does this)",
    )
    args = parser.parse_args(argv)
    try:
        report = render_cards(sample_cards(), out=args.out, themes=args.themes, only=args.only)
    except RendererMissing as exc:
        print(f"cards_render: {exc}", file=sys.stderr)
        return 2
    for problem in [*report.problems(), *report.notes()]:
        print(problem)
    written = sum(1 for themes in report.cards.values() for r in themes.values() if r.png)
    print(
        f"cards_render: {written} PNG(s) in {args.out} (adaptivecards "
        f"{report.adaptivecards_version}, Chromium {report.chromium_version}), "
        f"{len(report.problems())} problem(s)",
        file=sys.stderr,
    )
    return 1 if args.strict and report.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
