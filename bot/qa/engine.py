"""The question-answering engine: a question in, a ranked and gated answer out.

Three outcomes: a confident answer, "did you mean" (top three) when unsure or when the top
two are close, or not found. The gates work on raw BM25 scores and on coverage (how much of
the question the best entry explains), never on scores normalised within one question,
because normalising makes the best of a bad lot look confident.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from bot.content.models import ContentPack, Entry
from bot.qa.index import Index, build_index
from bot.qa.language import detect_language
from bot.qa.morphology import Morphology, open_morphology
from bot.qa.text import MAX_QUESTION_CHARS
from bot.settings import Language


class Outcome(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Thresholds:
    """Decision gates, tuned on bench/qa_eval (see bench/README.md)."""

    min_score: float = 3.0  # below this nothing is relevant
    min_coverage: float = 0.4  # the best entry must explain this share of the question...
    strong_score: float = 8.0  # ...or this much less when its score is this high
    strong_coverage: float = 0.3
    broad_score: float = 1.5  # a short, fully understood but broad question ("palaveri")...
    broad_coverage: float = 0.9  # ...gets "did you mean" instead of "not found"
    answer_score: float = 6.5
    answer_coverage: float = 0.5
    close_ratio: float = 0.85  # a different runner-up within this share of the best: ask
    sibling_similarity: float = 0.45  # entries this alike are not "different" runners-up
    suggestions: int = 3


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    coverage: float


@dataclass(frozen=True)
class QaResult:
    question: str
    lang: Language
    outcome: Outcome
    confidence: float
    candidates: tuple[Candidate, ...]

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


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


class Answerer:
    """Answers questions from one content pack. Build once; `answer` is pure and fast."""

    def __init__(
        self,
        pack: ContentPack,
        thresholds: Thresholds | None = None,
        morphology: Morphology | None = None,
    ) -> None:
        self.pack = pack
        self.thresholds = thresholds or Thresholds()
        self.index: Index = build_index(pack, morphology)

    def detect(self, question: str, fallback: Language = "fi") -> Language:
        return detect_language(question[:MAX_QUESTION_CHARS], self.index.surface, fallback)

    def answer(
        self, question: str, lang: Language | None = None, fallback: Language = "fi"
    ) -> QaResult:
        """Answer `question`; `lang` forces the reply language, else it is detected."""
        text = question[:MAX_QUESTION_CHARS]
        reply_lang = lang or self.detect(text, fallback)
        query = self.index.query_terms(text, reply_lang)
        ranked = self.index.score(query)
        limits = self.thresholds
        top = ranked[: max(limits.suggestions, 1) + 1]
        candidates = tuple(
            Candidate(self.index.entries[doc], score, coverage) for doc, score, coverage in top
        )
        if not candidates:
            return QaResult(question, reply_lang, Outcome.NOT_FOUND, 0.0, ())

        best = candidates[0]
        second = self._runner_up(ranked)
        closeness = second / best.score if best.score > 0 else 1.0
        confidence = self._confidence(best.score, best.coverage, closeness)
        needed = (
            limits.strong_coverage if best.score >= limits.strong_score else limits.min_coverage
        )
        broad = best.score >= limits.broad_score and best.coverage >= limits.broad_coverage
        if (best.score < limits.min_score or best.coverage < needed) and not broad:
            return QaResult(question, reply_lang, Outcome.NOT_FOUND, min(confidence, 0.2), ())
        if (
            best.score >= limits.answer_score
            and best.coverage >= limits.answer_coverage
            and closeness < limits.close_ratio
        ):
            return QaResult(
                question, reply_lang, Outcome.ANSWER, max(confidence, 0.5), candidates[:1]
            )
        return QaResult(
            question,
            reply_lang,
            Outcome.DID_YOU_MEAN,
            min(confidence, 0.49),
            candidates[: limits.suggestions],
        )

    def _runner_up(self, ranked: list[tuple[int, float, float]]) -> float:
        """Score of the best candidate that is about something else than the best one.

        A near-duplicate of the best entry (high content similarity) does not make the
        question ambiguous: either would be a right answer.
        """
        if not ranked:
            return 0.0
        first = ranked[0][0]
        for doc, score, _ in ranked[1:6]:
            if self.index.similarity(first, doc) < self.thresholds.sibling_similarity:
                return score
        return ranked[6][1] if len(ranked) > 6 else 0.0

    def _confidence(self, score: float, coverage: float, closeness: float) -> float:
        """A 0..1 figure that grows with score, coverage and the lead over the runner-up.

        Centred so that the answer gates sit near 0.5; the outcome itself comes from the
        gates, and the figure is clamped to agree with it.
        """
        limits = self.thresholds
        value = (
            1.5 * math.log(max(score, 1e-6) / limits.answer_score)
            + 6.0 * (coverage - limits.answer_coverage)
            + 4.0 * (limits.close_ratio - closeness)
        )
        return round(_sigmoid(value), 3)

    def entry(self, entry_id: str) -> Entry:
        return self.pack.entry(entry_id)

    def describe(self) -> str:
        """One line on how this answerer ranks (for logs and the benchmark)."""
        words = "Voikko" if self.index.morphology else "Snowball"
        return f"lexical ({words}), hand-set gates"


def build_answerer(
    pack: ContentPack, *, semantic: bool = True, morphology: bool = True
) -> Answerer:
    return Answerer(pack, morphology=open_morphology(morphology))
