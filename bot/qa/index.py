"""A field-weighted BM25 index over the content pack, with Finnish compound splitting
and typo repair against the pack's own vocabulary.

Built once at start-up; answering does no I/O and allocates little.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from bot.content.models import ContentPack, Entry
from bot.qa.stemming import COLLOQUIAL, prefix_term, stem
from bot.qa.text import ALL_STOPWORDS, tokens
from bot.settings import LANGUAGES, Language

# How much one occurrence in a field counts. Titles and keywords say what an entry is
# about; example questions say how people ask; the body adds recall.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "keywords": 3.0,
    "questions": 1.2,
    "body": 0.6,
    "tip": 0.4,
    "theme": 0.8,
}
PREFIX_WEIGHT = 0.35  # a truncated Finnish form is weaker evidence than a stem
REPAIRED_WEIGHT = 0.75  # a typo-repaired token is weaker evidence than an exact one
K1 = 1.2
B = 0.4
# Common first parts of Finnish compounds that may not stand alone in the pack.
_COMPOUND_HEADS = frozenset(
    """
    etä lähi hybridi virtuaali työ kokous tiimi kahvi kalenteri esihenkilö perehdytys
    yhteis yhteisö uusi palaveri teams toimisto koti verkko video kamera päivä aamu
    iltapäivä viikko kuukausi johto henkilöstö ryhmä organisaatio ohje valmennus pelisääntö
    """.split()
)


@dataclass(frozen=True)
class QueryTerm:
    """One token of a question, with the index terms it matched and how strongly."""

    token: str
    terms: tuple[str, ...]
    weight: float
    known: bool


@dataclass
class Index:
    """Term statistics of the pack; see `build_index`."""

    entries: tuple[Entry, ...]
    postings: dict[str, dict[int, float]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    max_idf: float = 1.0
    lengths: list[float] = field(default_factory=list)
    average_length: float = 1.0
    surface: dict[Language, frozenset[str]] = field(default_factory=dict)
    stem_vocabulary: dict[Language, tuple[str, ...]] = field(default_factory=dict)
    stem_sets: dict[Language, frozenset[str]] = field(default_factory=dict)
    heads: frozenset[str] = frozenset()

    def terms_of(self, word: str, lang: Language) -> list[tuple[str, float]]:
        """Index terms for one word in one language: its stem, its Finnish prefix, compound parts."""
        result = [(stem(word, lang), 1.0)]
        if lang == "fi":
            standard = COLLOQUIAL.get(word)
            if standard and " " not in standard:
                word = standard
            prefix = prefix_term(word)
            if prefix:
                result.append((prefix, PREFIX_WEIGHT))
            for part in self.split_compound(word):
                result.append((stem(part, "fi"), 0.8))
        return result

    def split_compound(self, word: str) -> list[str]:
        """Split a Finnish compound into two known parts (hybridikokouksen → hybridi, kokouksen)."""
        if len(word) < 7:
            return []
        vocabulary = self.stem_sets.get("fi", frozenset())
        for cut in range(len(word) - 4, 2, -1):
            head, tail = word[:cut], word[cut:]
            if head not in self.heads and head not in self.surface.get("fi", frozenset()):
                continue
            if stem(tail, "fi") in vocabulary or tail in self.surface.get("fi", frozenset()):
                return [head, tail]
        return []

    def query_terms(self, text: str, lang: Language) -> list[QueryTerm]:
        """Map a question to index terms: exact stems first, then compounds, then typo repair."""
        result: list[QueryTerm] = []
        seen: set[str] = set()
        for token in tokens(text):
            if token in ALL_STOPWORDS or token in seen or len(token) < 2:
                continue
            seen.add(token)
            candidates = self.terms_of(token, lang)
            matched = tuple(term for term, _ in candidates if term in self.postings)
            if matched:
                result.append(QueryTerm(token, matched, 1.0, True))
                continue
            repaired = self.repair(token, lang)
            if repaired is not None:
                result.append(QueryTerm(token, (repaired,), REPAIRED_WEIGHT, True))
            else:
                result.append(QueryTerm(token, (), 1.0, False))
        return result

    def repair(self, token: str, lang: Language) -> str | None:
        """The closest known stem to a misspelt word (one edit for short words, two for long)."""
        if len(token) < 5 or token.isdigit():
            return None
        target = stem(token, lang)
        limit = 1 if len(target) < 8 else 2
        best = extractOne(
            target, self.stem_vocabulary[lang], scorer=Levenshtein.distance, score_cutoff=limit
        )
        if best is None:
            return None
        repaired: str = best[0]
        return repaired

    def score(self, query: list[QueryTerm]) -> list[tuple[int, float, float]]:
        """(entry index, BM25 score, coverage) for every entry with any match, best first.

        Coverage is the idf-weighted share of the question's tokens that the entry matches;
        unknown tokens weigh as much as the rarest term, so a question about something the
        pack does not cover has low coverage even if one word happens to match.
        """
        scores: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        total = 0.0
        for item in query:
            token_idf = max((self.idf[t] for t in item.terms), default=self.max_idf)
            total += token_idf
            best_for_doc: dict[int, float] = {}
            for term in item.terms:
                idf = self.idf[term]
                for doc, tf in self.postings[term].items():
                    norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[doc] / self.average_length))
                    value = idf * norm * item.weight
                    if value > best_for_doc.get(doc, 0.0):
                        best_for_doc[doc] = value
            for doc, value in best_for_doc.items():
                scores[doc] += value
                covered[doc] += token_idf * item.weight
        if total == 0.0:
            return []
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return [(doc, value, min(1.0, covered[doc] / total)) for doc, value in ranked]


def _entry_fields(entry: Entry, pack: ContentPack, lang: Language) -> dict[str, list[str]]:
    theme = pack.theme(entry.theme)
    return {
        "title": [entry.title.get(lang)],
        "keywords": list(entry.keywords.get(lang)),
        "questions": list(entry.questions.get(lang)),
        "body": [entry.body.get(lang)],
        "tip": [entry.tip.get(lang)],
        "theme": [theme.title.get(lang)],
    }


def build_index(pack: ContentPack) -> Index:
    """Index every entry's fields in all three languages into one weighted bag of terms."""
    index = Index(entries=pack.entries)
    surface: dict[Language, set[str]] = {lang: set() for lang in LANGUAGES}
    for entry in pack.entries:
        for lang in LANGUAGES:
            for texts in _entry_fields(entry, pack, lang).values():
                for text in texts:
                    surface[lang].update(t for t in tokens(text) if t not in ALL_STOPWORDS)
    index.surface = {lang: frozenset(words) for lang, words in surface.items()}
    index.heads = _COMPOUND_HEADS | frozenset(w for w in surface["fi"] if len(w) >= 3)
    index.stem_vocabulary = {
        lang: tuple(sorted({stem(word, lang) for word in surface[lang]})) for lang in LANGUAGES
    }
    index.stem_sets = {lang: frozenset(v) for lang, v in index.stem_vocabulary.items()}

    bags: list[Counter[str]] = []
    for entry in pack.entries:
        bag: Counter[str] = Counter()
        for lang in LANGUAGES:
            for field_name, texts in _entry_fields(entry, pack, lang).items():
                weight = FIELD_WEIGHTS[field_name]
                for text in texts:
                    for token in tokens(text):
                        if token in ALL_STOPWORDS:
                            continue
                        for term, term_weight in index.terms_of(token, lang):
                            bag[term] += weight * term_weight
        bags.append(bag)

    postings: dict[str, dict[int, float]] = defaultdict(dict)
    for doc, bag in enumerate(bags):
        for term, tf in bag.items():
            postings[term][doc] = tf
    count = len(bags)
    index.postings = dict(postings)
    index.idf = {
        term: math.log(1 + (count - len(docs) + 0.5) / (len(docs) + 0.5))
        for term, docs in index.postings.items()
    }
    index.max_idf = max(index.idf.values(), default=1.0)
    index.lengths = [sum(bag.values()) for bag in bags]
    index.average_length = sum(index.lengths) / max(1, count)
    return index
