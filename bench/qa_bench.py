"""Q&A quality and speed on the eval splits against the bundled content pack.

Run: make bench-qa  (pins the process to one core when `taskset` exists)

Splits: `old` (bench/qa_eval/*.yaml, written next to the pack), `chat/dev` and `chat/test`
(bench/qa_eval/chat/, questions as people type them in Teams). Each split prints
accuracy@1 per language, recall@3, MRR, off-topic rejection, answered share and
answered-precision. The run ends with one `RESULT qa ...` line computed on chat/test.

chat/test is for reporting only: `-v` lists the misses of the other splits, never of
chat/test, so nobody tunes against it by accident.

Latency is the process's CPU time per question, pinned to one core: the box is shared, and
wall time there also counts other jobs' turns (it is printed beside it).

Options: -v (misses), --split NAME (only that split; repeatable), QA_SEMANTIC=off and
QA_MORPHOLOGY=off in the environment (lexical-only, Snowball instead of Voikko),
QA_PACK_CHAT=off (the pack without its `chat` phrasings, which were written from dev).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # start-up is measured from here: imports count too

import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.content.loader import load_pack  # noqa: E402
from bot.content.models import ContentPack  # noqa: E402
from bot.i18n import LANGUAGES  # noqa: E402
from bot.qa.engine import Answerer, build_answerer  # noqa: E402
from bot.settings import BUNDLED_CONTENT_DIR  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parent / "qa_eval"
CHAT_DIR = EVAL_DIR / "chat"
SPLITS: dict[str, tuple[Path, ...]] = {
    "old": tuple(sorted(EVAL_DIR.glob("*.yaml"))),
    "chat/dev": (CHAT_DIR / "dev.yaml",),
    "chat/test": (CHAT_DIR / "test.yaml",),
}
RESULT_SPLIT = "chat/test"


@dataclass(frozen=True)
class Case:
    question: str
    lang: str
    expect: frozenset[str]  # empty: off-topic, must not be answered
    source: str = ""  # the eval file's stem (part_a, holdout, dev, ...)


def load_file(path: Path, pack: ContentPack | None = None) -> list[Case]:
    """Cases of one eval file; with `pack`, expected ids that were merged away are
    mapped to the entry that replaced them (the pack's redirects)."""
    cases: list[Case] = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        expect = item["expect"]
        ids = frozenset() if expect == "none" else frozenset(expect)
        if pack is not None:
            ids = frozenset(pack.resolve(entry_id) for entry_id in ids)
        cases.append(Case(item["q"], item["lang"], ids, path.stem))
    return cases


def load_cases(
    directory: Path = EVAL_DIR, pack: ContentPack | None = None, split: str = "old"
) -> list[Case]:
    """The cases of one split (`old` by default, the hand-written sets)."""
    paths = SPLITS[split] if directory == EVAL_DIR else tuple(sorted(directory.glob("*.yaml")))
    return [case for path in paths if path.is_file() for case in load_file(path, pack)]


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
    p50_ms: float  # CPU time of the process per question (one core): what a question costs
    p99_ms: float
    wall_p50_ms: float  # wall time: the same plus whatever other jobs on the box took
    wall_p99_ms: float
    failures: list[str]
    by_source: dict[str, tuple[int, int, int]]  # source -> (questions, top-1 hits, answered)
    counts: dict[str, int]  # on-topic questions per language, and "off" for off-topic
    right: dict[str, float]  # per language: answered with an expected entry (no click needed)


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    if share == 0.5:
        return statistics.median(sorted_values)
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * share))]


def evaluate(answerer: Answerer, cases: list[Case]) -> Report:
    per_lang: dict[str, list[int]] = {lang: [] for lang in LANGUAGES}
    right: dict[str, list[int]] = {lang: [] for lang in LANGUAGES}
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
    cpu_timings: list[float] = []
    for case in cases:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = answerer.answer(case.question)
        cpu_timings.append((time.process_time() - start_cpu) * 1000)
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
        right[case.lang].append(int(hit and result.answered))
        recall.append(int(any(entry_id in case.expect for entry_id in ranking[:3])))
        rank = next((i + 1 for i, entry_id in enumerate(ranking) if entry_id in case.expect), None)
        reciprocal.append(1.0 / rank if rank else 0.0)
        answered_any.append(int(result.answered))
        if result.answered:
            answered_correct.append(int(hit))
        if not hit or not result.answered:
            failures.append(
                f"{'MISS' if not hit else 'UNSURE'} [{case.lang}] {case.question!r} -> "
                f"{result.outcome.value} {result.confidence:.2f} {ranking[:3]} "
                f"expected {sorted(case.expect)}"
            )
    timings.sort()
    cpu_timings.sort()

    def mean(values: list[int] | list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    counts = {lang: len(values) for lang, values in per_lang.items()}
    counts["off"] = len(offtopic)
    return Report(
        top1={lang: mean(values) for lang, values in per_lang.items()},
        recall3=mean(recall),
        mrr=mean(reciprocal),
        offtopic=mean(offtopic),
        offtopic_not_found=mean(offtopic_not_found),
        answered_precision=mean(answered_correct),
        answer_rate=mean(answered_any),
        lang_accuracy=mean(lang_hits),
        p50_ms=percentile(cpu_timings, 0.5),
        p99_ms=percentile(cpu_timings, 0.99),
        wall_p50_ms=percentile(timings, 0.5),
        wall_p99_ms=percentile(timings, 0.99),
        failures=failures,
        by_source={name: (t[0], t[1], t[2]) for name, t in sorted(by_source.items())},
        counts=counts,
        right={lang: mean(values) for lang, values in right.items()},
    )


def print_report(name: str, report: Report, verbose: bool) -> None:
    print(f"== {name}: {report.counts}")
    top1 = "  ".join(f"{lang} {report.top1[lang]:.3f}" for lang in LANGUAGES)
    print(f"   accuracy@1 {top1}   recall@3 {report.recall3:.3f}   MRR {report.mrr:.3f}")
    right = "  ".join(f"{lang} {report.right[lang]:.3f}" for lang in LANGUAGES)
    print(f"   answered right (no click needed) {right}")
    print(
        f"   answered {report.answer_rate:.3f} of on-topic, answered-precision "
        f"{report.answered_precision:.3f}; off-topic rejection {report.offtopic:.3f} "
        f"(not found {report.offtopic_not_found:.3f}); language {report.lang_accuracy:.3f}"
    )
    if len(report.by_source) > 1:
        for source, (total, hits, answered) in report.by_source.items():
            print(
                f"     {source}: accuracy@1 {hits / total:.3f} ({hits}/{total}), "
                f"answered {answered / total:.3f}"
            )
    print(
        f"   latency (CPU) p50 {report.p50_ms:.2f} ms, p99 {report.p99_ms:.2f} ms; "
        f"wall p50 {report.wall_p50_ms:.2f} ms, p99 {report.wall_p99_ms:.2f} ms"
    )
    if verbose and name != RESULT_SPLIT:
        for line in report.failures:
            print("   " + line)


def main() -> int:
    verbose = "-v" in sys.argv
    chosen = [sys.argv[i + 1] for i, arg in enumerate(sys.argv[:-1]) if arg == "--split"]
    semantic = os.environ.get("QA_SEMANTIC", "on") != "off"
    morphology = os.environ.get("QA_MORPHOLOGY", "on") != "off"
    pack = load_pack(BUNDLED_CONTENT_DIR)
    if os.environ.get("QA_PACK_CHAT", "on") == "off":
        pack = pack.without_chat()  # measures the engine without the dev-written phrasings
    answerer = build_answerer(pack, semantic=semantic, morphology=morphology)
    start_s = time.perf_counter() - _STARTED
    print(f"start-up (imports, pack, index, model): {start_s:.2f} s; {answerer.describe()}")
    splits = [name for name in SPLITS if not chosen or name in chosen]
    warm = load_cases(pack=pack)
    for case in warm[:20]:
        answerer.answer(case.question)  # warm caches the way a running bot has them
    reports: dict[str, Report] = {}
    for name in splits:
        cases = load_cases(pack=pack, split=name)
        if not cases:
            print(f"== {name}: no questions yet")
            continue
        reports[name] = evaluate(answerer, cases)
        print_report(name, reports[name], verbose)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    final = reports.get(RESULT_SPLIT) or next(iter(reports.values()), None)
    if final is None:
        return 1
    print(
        f"RESULT qa top1_fi={final.top1['fi']:.3f} top1_sv={final.top1['sv']:.3f} "
        f"top1_en={final.top1['en']:.3f} answered={final.answer_rate:.3f} "
        f"answered_precision={final.answered_precision:.3f} offtopic={final.offtopic:.3f} "
        f"p50_ms={final.p50_ms:.2f} p99_ms={final.p99_ms:.2f} start_s={start_s:.2f} "
        f"peak_mb={peak_mb:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
