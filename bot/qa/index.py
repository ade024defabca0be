"""A field-weighted BM25 index over the content pack, with Finnish compound splitting
and typo repair against the pack's own vocabulary.

Built once at start-up; answering does no I/O and allocates little.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from bot.content.models import ContentPack, Entry
from bot.i18n import LANGUAGES, Language
from bot.qa.morphology import Morphology
from bot.qa.stemming import COLLOQUIAL, colloquial_standard, prefix_term, stem
from bot.qa.text import ALL_STOPWORDS, GENERIC, SYNONYMS, tokens

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
COMPOUND_PART_WEIGHT = 0.8  # a part of a compound says less than the whole word
PREFIX_WEIGHT = 0.35  # a truncated Finnish form is weaker evidence than a stem
REPAIRED_WEIGHT = 0.75  # a typo-repaired token is weaker evidence than an exact one
SYNONYM_WEIGHT = 0.85  # a general synonym of a question word
OTHER_LANGUAGE_WEIGHT = 0.9  # a word found only through another language's stemmer
PREFIX_QUERY_WEIGHT = 0.5  # a question word known only by its first letters
GENERIC_WEIGHT = 0.5  # a generic word (do, best, idea) is weak evidence for an entry
GENERIC_COVERAGE = 0.3  # share of a generic word (do, best, idea) in the coverage measure
UNKNOWN_SHORT_COVERAGE = 0.5  # share of an unknown word of at most three letters
K1 = 1.2
B = 0.4
# Common first parts of Finnish compounds that may not stand alone in the pack.
_COMPOUND_HEADS = frozenset(
    """
    etä lähi hybridi virtuaali työ kokous tiimi kahvi kalenteri esihenkilö perehdytys
    yhteis yhteisö uusi palaveri teams toimisto koti verkko video kamera päivä aamu
    iltapäivä viikko kuukausi johto henkilöstö ryhmä organisaatio ohje valmennus pelisääntö
    jatko asia esitys kehittämis kehitys koulutus osaamis vertais hyvinvointi pien iso
    yksikkö osasto kesä joulu tyky tyhy virkistys profiili näyttö ääni palaute kulttuuri
    kahden monipaikka monipaikkais läsnä kasvo asiantuntija harraste tila huone
    """.split()
)


_UNDOT = str.maketrans("äöå", "aoa")


def undot(word: str) -> str:
    """The word as typed on a keyboard without Finnish/Swedish letters (ä->a, ö->o, å->a)."""
    return word.translate(_UNDOT)


@dataclass(frozen=True)
class QueryTerm:
    """One token of a question, with the index terms it matched and how strongly."""

    token: str
    terms: tuple[str, ...]
    weight: float
    known: bool
    generic: bool = False


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
    generic_stems: dict[Language, frozenset[str]] = field(default_factory=dict)
    synonym_stems: dict[Language, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    vectors: list[dict[str, float]] = field(default_factory=list)
    norms: list[float] = field(default_factory=list)
    _similarity: dict[tuple[int, int], float] = field(default_factory=dict)
    morphology: Morphology | None = None
    undotted: dict[str, str] = field(default_factory=dict)  # "etakahvi" -> "etäkahvi"

    def terms_of(self, word: str, lang: Language) -> list[tuple[str, float]]:
        """Index terms for one word in one language: stem, Finnish prefix, compound parts.

        With Voikko, a Finnish word also gives the stems of the base forms of all its
        readings and of their compound parts; a word Voikko does not know (palsuissa,
        typos) is split against the pack's vocabulary instead.
        """
        result: dict[str, float] = {stem(word, lang): 1.0}
        if lang == "fi":
            standard = colloquial_standard(word)
            if standard and " " not in standard:
                word = standard
            prefix = prefix_term(word)
            if prefix:
                result[prefix] = PREFIX_WEIGHT
            bases, parts = self.morphology.analyse(word) if self.morphology else ((), ())
            for base in bases:
                result[stem(base, "fi")] = 1.0
            split = parts if bases else tuple(self.split_compound(word))
            for part in split:
                term = stem(part, "fi")
                result[term] = max(result.get(term, 0.0), COMPOUND_PART_WEIGHT)
        return list(result.items())

    def split_compound(self, word: str, depth: int = 2) -> list[str]:
        """Split a Finnish compound into known parts, both sides indexed
        (hybridikokouksen → hybridi, kokouksen; kehittämispäiväohjelma → three parts)."""
        if len(word) < 7 or depth <= 0:
            return []
        vocabulary = self.stem_sets.get("fi", frozenset())
        surface = self.surface.get("fi", frozenset())
        for cut in range(len(word) - 4, 2, -1):
            head, tail = word[:cut], word[cut:]
            if head not in self.heads and head not in surface:
                continue
            if stem(tail, "fi") in vocabulary or tail in surface:
                return [head, tail]
            rest = self.split_compound(tail, depth - 1)
            if rest:
                return [head, *rest]
        return []

    def query_terms(self, text: str, lang: Language) -> list[QueryTerm]:
        """Map a question to index terms.

        In order: stems and compound parts (with general synonyms); synonyms alone; the
        other languages' stems; typo repair; and last a bare Finnish prefix, which is weak.
        """
        result: list[QueryTerm] = []
        seen: set[str] = set()
        for word in tokens(text):
            # "etakahvit", "yhteisollisyys": ä, ö and å are often typed without dots.
            token = self.undotted.get(word, word) if word not in self.surface[lang] else word
            if token in ALL_STOPWORDS or token in seen or len(token) < 2:
                continue
            seen.add(token)
            generic = stem(token, lang) in self.generic_stems.get(lang, frozenset())
            factor = GENERIC_WEIGHT if generic else 1.0
            candidates = self.terms_of(token, lang)
            matched = [term for term, _ in candidates if term in self.postings]
            strong = [term for term in matched if not term.startswith("^")]
            synonyms = [t for t in self.synonyms_of(token, lang) if t not in matched]
            if strong:
                terms = tuple(matched) + tuple(synonyms)
                result.append(QueryTerm(token, terms, factor, True, generic))
                continue
            if synonyms:
                terms = tuple(synonyms) + tuple(matched)
                result.append(QueryTerm(token, terms, SYNONYM_WEIGHT * factor, True, generic))
                continue
            other = tuple(
                term
                for other_lang in LANGUAGES
                if other_lang != lang
                for term in (stem(token, other_lang),)
                if term in self.postings and len(term) >= 3
            )
            if other:
                weight = OTHER_LANGUAGE_WEIGHT * factor
                result.append(QueryTerm(token, other, weight, True, generic))
                continue
            repaired = self.repair(token, lang)
            if repaired is not None:
                terms = (repaired, *matched)
                result.append(QueryTerm(token, terms, REPAIRED_WEIGHT * factor, True, generic))
            elif matched:
                weight = PREFIX_QUERY_WEIGHT * factor
                result.append(QueryTerm(token, tuple(matched), weight, True, generic))
            else:
                result.append(QueryTerm(token, (), 1.0, False, generic))
        return result

    def similarity(self, first: int, second: int) -> float:
        """Cosine similarity of two entries' tf-idf vectors (0..1), cached.

        Near-duplicate entries (two VALOA entries, two about the meeting format in the
        invitation) are close to 1; either is a fine answer, so the engine does not ask
        "did you mean" only because they both match.
        """
        key = (first, second) if first < second else (second, first)
        cached = self._similarity.get(key)
        if cached is not None:
            return cached
        a, b = self.vectors[key[0]], self.vectors[key[1]]
        if len(a) > len(b):
            a, b = b, a
        dot = sum(value * b.get(term, 0.0) for term, value in a.items())
        denominator = self.norms[key[0]] * self.norms[key[1]]
        value = dot / denominator if denominator > 0 else 0.0
        self._similarity[key] = value
        return value

    def synonyms_of(self, token: str, lang: Language) -> list[str]:
        """Index terms of the general synonyms of one question word."""
        table = self.synonym_stems.get(lang, {})
        found = table.get(stem(token, lang)) or table.get(token) or ()
        return [term for term in found if term in self.postings]

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
        if repaired[:1] != target[:1]:
            return None  # people rarely mistype the first letter; such a match is a guess
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
            if item.generic:
                token_idf *= GENERIC_COVERAGE
            elif not item.known and len(item.token) <= 3:
                token_idf *= UNKNOWN_SHORT_COVERAGE
            total += token_idf
            best_for_doc: dict[int, float] = {}
            for term in item.terms:
                idf = self.idf[term]
                for doc, tf in self.postings[term].items():
                    norm = (
                        tf
                        * (K1 + 1)
                        / (tf + K1 * (1 - B + B * self.lengths[doc] / self.average_length))
                    )
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
        "questions": [*entry.questions.get(lang), *entry.chat.get(lang)],
        "body": [entry.body.get(lang)],
        "tip": [entry.tip.get(lang)],
        "theme": [theme.title.get(lang)],
    }


def build_index(pack: ContentPack, morphology: Morphology | None = None) -> Index:
    """Index every entry's fields in all three languages into one weighted bag of terms."""
    index = Index(entries=pack.entries, morphology=morphology)
    surface: dict[Language, set[str]] = {lang: set() for lang in LANGUAGES}
    for entry in pack.entries:
        for lang in LANGUAGES:
            for texts in _entry_fields(entry, pack, lang).values():
                for text in texts:
                    surface[lang].update(t for t in tokens(text) if t not in ALL_STOPWORDS)
    index.surface = {lang: frozenset(words) for lang, words in surface.items()}
    index.heads = _COMPOUND_HEADS | frozenset(w for w in surface["fi"] if len(w) >= 3)
    known = set(surface["fi"]) | set(surface["sv"]) | set(COLLOQUIAL)
    everywhere = surface["fi"] | surface["sv"] | surface["en"]
    index.undotted = {
        undotted: word
        for word in sorted(known)
        for undotted in (undot(word),)
        if undotted != word and undotted not in everywhere and " " not in word
    }
    index.stem_vocabulary = {
        lang: tuple(sorted({stem(word, lang) for word in surface[lang]})) for lang in LANGUAGES
    }
    index.stem_sets = {lang: frozenset(v) for lang, v in index.stem_vocabulary.items()}
    index.generic_stems = {
        lang: frozenset(stem(word, lang) for word in GENERIC[lang]) for lang in LANGUAGES
    }
    index.synonym_stems = {
        lang: {
            stem(word, lang): tuple(dict.fromkeys(stem(other, lang) for other in others))
            for word, others in SYNONYMS[lang].items()
        }
        for lang in LANGUAGES
    }

    bags: list[dict[str, float]] = []
    for entry in pack.entries:
        bag: defaultdict[str, float] = defaultdict(float)
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
    for doc, terms in enumerate(bags):
        for term, tf in terms.items():
            postings[term][doc] = tf
    count = len(bags)
    index.postings = dict(postings)
    index.idf = {
        term: math.log(1 + (count - len(docs) + 0.5) / (len(docs) + 0.5))
        for term, docs in index.postings.items()
    }
    index.max_idf = max(index.idf.values(), default=1.0)
    index.vectors = [
        {term: tf * index.idf[term] for term, tf in bag.items() if not term.startswith("^")}
        for bag in bags
    ]
    index.norms = [math.sqrt(sum(v * v for v in vector.values())) for vector in index.vectors]
    index.lengths = [sum(bag.values()) for bag in bags]
    index.average_length = sum(index.lengths) / max(1, count)
    return index
