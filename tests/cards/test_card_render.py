"""Every card the bot can send renders in a real browser: headless Chromium, the Adaptive
Cards JavaScript renderer and a Teams-like host config, light and dark, without renderer
errors or warnings (tools/cards_render.py, which `make cards-gallery` also uses).

Needs ``make tools`` and Debian's chromium; ``make test`` installs both when it runs as
root. Without Chromium the tests are skipped and say why.
"""

from __future__ import annotations

import copy
import struct
from pathlib import Path
from typing import Any

import pytest

from bot.content.models import ContentPack
from tests.cards.test_card_validation import KNOWN_DEFECTS, kind_of
from tools.card_samples import sample_cards
from tools.cards_render import THEMES, RenderReport, missing_renderer, render_cards

Cards = dict[str, dict[str, Any]]

REASON = missing_renderer()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"cannot render cards here: {REASON}")


def _known(name: str, message: str) -> bool:
    return any(kind == kind_of(name) and code in message for kind, code in KNOWN_DEFECTS)


@pytest.fixture(scope="module")
def cards(pack: ContentPack) -> Cards:
    return sample_cards(pack)


@pytest.fixture(scope="module")
def report(cards: Cards) -> RenderReport:
    return render_cards(cards)


def test_every_card_renders_in_both_themes(cards: Cards, report: RenderReport) -> None:
    assert set(report.cards) == set(cards)
    assert report.chromium_version and report.adaptivecards_version == "3.0.6"
    for name, themes in report.cards.items():
        assert set(themes) == set(THEMES), name
        for theme, rendering in themes.items():
            assert rendering.height > 100, f"{name} {theme}: rendered {rendering.height} px high"


def test_no_card_gets_a_renderer_error_or_warning(report: RenderReport) -> None:
    problems = [
        f"{name} {theme}: {message}"
        for name, themes in report.cards.items()
        for theme, rendering in themes.items()
        for message in [*rendering.errors, *rendering.warnings]
        if not _known(name, message)
    ]
    assert problems == []


@pytest.fixture(scope="module")
def gallery(cards: Cards, tmp_path_factory: pytest.TempPathFactory) -> tuple[RenderReport, Path]:
    """A small gallery run: one good card and one broken card, with PNGs."""
    broken = copy.deepcopy(cards["answer-fi"])
    broken["body"] += [
        {"type": "Carousel", "pages": []},
        {"type": "Image", "url": "https://example.fi/kuva.png"},
    ]
    broken["actions"].append({"type": "Action.Execute", "verb": "tip", "data": {}})
    out = tmp_path_factory.mktemp("gallery")
    return render_cards({"answer-fi": cards["answer-fi"], "broken": broken}, out=out), out


def test_the_renderer_reports_broken_and_inaccessible_cards(
    gallery: tuple[RenderReport, Path],
) -> None:
    result = gallery[0].cards["broken"]["light"]

    assert any("UnknownElementType" in e for e in result.errors), result.errors
    assert any("image has no alt text" in w for w in result.warnings), result.warnings
    assert any("button has no accessible name" in w for w in result.warnings), result.warnings
    assert not any("network" in w for w in result.warnings), "the image came from memory"


def test_the_gallery_writes_one_png_per_card_and_theme(gallery: tuple[RenderReport, Path]) -> None:
    report, out = gallery

    pngs = sorted(path.name for path in out.iterdir())
    assert pngs == sorted(f"{n}-{theme}.png" for n in ("answer-fi", "broken") for theme in THEMES)
    for theme in THEMES:
        rendering = report.cards["answer-fi"][theme]
        assert rendering.png == out / f"answer-fi-{theme}.png"
        data = rendering.png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width == 528 and height == rendering.height
