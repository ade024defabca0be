"""Q&A quality and speed on bench/qa_eval/*.yaml against the bundled content pack.

Run: make bench-qa  (pins the process to one core when `taskset` exists)
Prints accuracy@1, recall@3 and MRR per language, off-topic rejection, answered-precision,
latency p50/p99 and peak memory, and ends with one `RESULT qa ...` line.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.content.loader import load_pack
from bot.i18n import LANGUAGES
from bot.qa.engine import Answerer
from bot.settings import BUNDLED_CONTENT_DIR

EVAL_DIR = Path(__file__).resolve().parent / "qa_eval"


@dataclass(frozen=True)
class Case:
    question: str
    lang: str
    expect: frozenset[str]  # empty: off-topic, must not be answered
    source: str = ""  # the eval file's stem (part_a, holdout, ...)


def load_cases(directory: Path = EVAL_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            expect = item["expect"]
            ids = frozenset() if expect == "none" else frozenset(expect)
            cases.append(Case(item["q"], item["lang"], ids, path.stem))
    return cases


@dataclass
class Report:
    top1: dict[str, float]
    recall3: float
    mrr: float
    offtopic: float
    offtopic_not_found: float  # share of off-topic questions that got "not found", not DYM
    answered_precision: float
    answer_rate: float
    lang_accuracy: float
    p50_ms: float
    p99_ms: float
    failures: list[str]
    by_source: dict[str, tuple[int, int, int]]  # source -> (questions, top-1 hits, answered)


def evaluate(answerer: Answerer, cases: list[Case]) -> Report:
    per_lang: dict[str, list[int]] = {lang: [] for lang in LANGUAGES}
    recall: list[int] = []
    reciprocal: list[float] = []
    offtopic: list[int] = []
    offtopic_not_found: list[int] = []
    answered_correct: list[int] = []
    answered_any: list[int] = []
    lang_hits: list[int] = []
    timings: list[float] = []
    failures: list[str] = []
    by_source: dict[str, list[int]] = {}
    for case in cases:
        start = time.perf_counter()
        result = answerer.answer(case.question)
        timings.append((time.perf_counter() - start) * 1000)
        lang_hits.append(int(result.lang == case.lang))
        ranking = [entry.id for entry in result.ranking]
        if not case.expect:
            offtopic.append(int(not result.answered))
            offtopic_not_found.append(int(result.outcome.value == "not_found"))
            if result.answered:
                failures.append(f"OFFTOPIC ANSWERED {case.question!r} -> {ranking[:1]}")
            continue
        hit = bool(ranking) and ranking[0] in case.expect
        tally = by_source.setdefault(case.source, [0, 0, 0])
        tally[0] += 1
        tally[1] += int(hit)
        tally[2] += int(result.answered)
        per_lang[case.lang].append(int(hit))
        recall.append(int(any(entry_id in case.expect for entry_id in ranking[:3])))
        rank = next((i + 1 for i, entry_id in enumerate(ranking) if entry_id in case.expect), None)
        reciprocal.append(1.0 / rank if rank else 0.0)
        answered_any.append(int(result.answered))
        if result.answered:
            answered_correct.append(int(hit))
        if not hit or not result.answered:
            failures.append(
                f"{'MISS' if not hit else 'UNSURE'} [{case.lang}] {case.question!r} -> "
                f"{result.outcome.value} {ranking[:3]} expected {sorted(case.expect)}"
            )
    timings.sort()

    def mean(values: list[int] | list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return Report(
        top1={lang: mean(values) for lang, values in per_lang.items()},
        recall3=mean(recall),
        mrr=mean(reciprocal),
        offtopic=mean(offtopic),
        offtopic_not_found=mean(offtopic_not_found),
        answered_precision=mean(answered_correct),
        answer_rate=mean(answered_any),
        lang_accuracy=mean(lang_hits),
        p50_ms=statistics.median(timings),
        p99_ms=timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        failures=failures,
        by_source={name: (t[0], t[1], t[2]) for name, t in sorted(by_source.items())},
    )


def main() -> int:
    verbose = "-v" in sys.argv
    start = time.perf_counter()
    answerer = Answerer(load_pack(BUNDLED_CONTENT_DIR))
    load_ms = (time.perf_counter() - start) * 1000
    cases = load_cases()
    for case in cases[:20]:
        answerer.answer(case.question)  # warm caches the way a running bot has them
    report = evaluate(answerer, cases)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = {lang: sum(1 for c in cases if c.lang == lang and c.expect) for lang in LANGUAGES}
    print(f"questions: {len(cases)} ({counts}, off-topic {sum(1 for c in cases if not c.expect)})")
    print(f"pack load + index: {load_ms:.0f} ms")
    for lang in LANGUAGES:
        print(f"accuracy@1 {lang}: {report.top1[lang]:.3f}")
    print(f"recall@3: {report.recall3:.3f}   MRR: {report.mrr:.3f}")
    print(
        f"off-topic rejection: {report.offtopic:.3f} "
        f"(not found {report.offtopic_not_found:.3f}, the rest did-you-mean)"
    )
    print(
        f"answered: {report.answer_rate:.3f} of on-topic; "
        f"answered-precision: {report.answered_precision:.3f}"
    )
    print(f"language detection: {report.lang_accuracy:.3f}")
    for name, (total, hits, answered) in report.by_source.items():
        print(
            f"  {name}: accuracy@1 {hits / total:.3f} ({hits}/{total}), "
            f"answered {answered / total:.3f}"
        )
    print(f"latency per question: p50 {report.p50_ms:.2f} ms, p99 {report.p99_ms:.2f} ms")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    if verbose:
        for line in report.failures:
            print(line)
    print(
        f"RESULT qa top1_fi={report.top1['fi']:.3f} top1_sv={report.top1['sv']:.3f} "
        f"top1_en={report.top1['en']:.3f} recall3={report.recall3:.3f} mrr={report.mrr:.3f} "
        f"offtopic={report.offtopic:.3f} p50_ms={report.p50_ms:.2f} p99_ms={report.p99_ms:.2f} "
        f"peak_mb={peak_mb:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
