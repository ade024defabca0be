"""Virtual-coffee pairing at deployment scale: 100 000 participants, 10 rounds of history.

Run: make bench-pairing  (pins itself to one core where the OS allows it)
Builds a realistic population (mostly Finnish speakers, some Swedish, many also English;
scopes mostly organisation across 20 organisations, some team across 2 000 teams, some
everyone; 10 % prefer trios; a few do-not-pair lists), makes 10 rounds of history by
running `pair` 10 times, then times the 11th round (target <= 2 s). `seconds` is the CPU
time of this process for that call, so other work on a shared machine does not count; the
wall time is printed next to it. Prints the share of member pairs that had not met within
the window (and how many of the repeats were forced: a member had nobody new left to
meet), the share of groups with a shared language (must be 100 %), the share of people
matched and any pair that breaks a meeting rule (must be 0), all recomputed from the
inputs, and ends with one `RESULT pairing ...` line.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.coffee.pairing import Candidate, Pairing, Scope, pair

N = 100_000
ORGANISATIONS = 20
TEAMS = 2_000
HISTORY_ROUNDS = 10
WINDOW = 6
TARGET_SECONDS = 2.0


def population(n: int, seed: int = 2026) -> list[Candidate]:
    """A deterministic population with the mix described in the module docstring."""
    rng = random.Random(seed)
    # Organisations of uneven size (a large ministry next to small agencies).
    org_weights = [1.0 / (k + 1) ** 0.7 for k in range(ORGANISATIONS)]
    team_org = rng.choices(range(ORGANISATIONS), weights=org_weights, k=TEAMS)
    ids = [f"{rng.getrandbits(128):032x}" for _ in range(n)]
    ids = [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in ids]
    people: list[Candidate] = []
    teams = [rng.randrange(TEAMS) for _ in range(n)]
    members: dict[int, list[int]] = {}
    for i, team in enumerate(teams):
        members.setdefault(team, []).append(i)
    for i in range(n):
        roll = rng.random()
        if roll < 0.90:
            languages = {"fi"}
            if rng.random() < 0.10:
                languages.add("sv")
        elif roll < 0.98:
            languages = {"sv"}
            if rng.random() < 0.50:
                languages.add("fi")
        else:
            languages = {"en"}
        if rng.random() < 0.60:
            languages.add("en")
        roll = rng.random()
        scope = Scope.TEAM if roll < 0.15 else Scope.EVERYONE if roll < 0.25 else Scope.ORGANISATION
        avoid: frozenset[str] = frozenset()
        if rng.random() < 0.01:  # a few people name one to three colleagues
            mates = members[teams[i]]
            avoid = frozenset(ids[rng.choice(mates)] for _ in range(rng.randint(1, 3))) - {ids[i]}
        people.append(
            Candidate(
                id=ids[i],
                languages=frozenset(languages),
                group_size=3 if rng.random() < 0.10 else 2,
                scope=scope,
                team_id=f"team-{teams[i]:04d}",
                organisation_id=f"org-{team_org[teams[i]]:02d}",
                avoid=avoid,
            )
        )
    return people


def as_round(result: Pairing) -> list[tuple[str, ...]]:
    return [group.members for group in result.groups]


def admits(a: Candidate, b: Candidate) -> bool:
    if a.scope == Scope.EVERYONE:
        return True
    if a.scope == Scope.TEAM:
        return a.team_id is not None and a.team_id == b.team_id
    return a.organisation_id is not None and a.organisation_id == b.organisation_id


def may_meet(a: Candidate, b: Candidate) -> bool:
    """The meeting rule, written out again here so the bench checks the result."""
    return (
        a.id != b.id
        and bool(a.languages & b.languages)
        and admits(a, b)
        and admits(b, a)
        and b.id not in a.avoid
        and a.id not in b.avoid
    )


@dataclass
class Quality:
    repeats_avoided: float  # % of member pairs that had not met within the window
    language_match: float  # % of groups whose members share a language
    matched: float  # % of participants in a group
    repeated_pairs: int
    forced_repeats: int  # repeated pairs where one member had nobody new to meet at all
    broken_rules: int  # member pairs that may not meet (scope, do-not-pair, language)


def measure(
    people: list[Candidate], history: list[list[tuple[str, ...]]], result: Pairing
) -> Quality:
    """The round's quality, recomputed from the inputs (not from what `pair` reports)."""
    met: set[frozenset[str]] = set()
    for groups in history[-WINDOW:]:
        for members in groups:
            for a in members:
                for b in members:
                    if a < b:
                        met.add(frozenset((a, b)))
    by_id = {c.id: c for c in people}
    pairs = fresh = shared = broken = 0
    repeated: list[tuple[str, str]] = []
    for group in result.groups:
        common = frozenset.intersection(*(by_id[m].languages for m in group.members))
        shared += bool(common)
        for x, a in enumerate(group.members):
            for b in group.members[x + 1 :]:
                pairs += 1
                broken += not may_meet(by_id[a], by_id[b])
                if frozenset((a, b)) in met:
                    repeated.append((a, b))
                else:
                    fresh += 1
    # Could anyone in a repeated pair have met somebody new? (Scope buckets keep it quick.)
    by_team: dict[str | None, list[Candidate]] = {}
    by_org: dict[str | None, list[Candidate]] = {}
    for c in people:
        by_team.setdefault(c.team_id, []).append(c)
        by_org.setdefault(c.organisation_id, []).append(c)
    everyone = [c for c in people if c.scope == Scope.EVERYONE]

    def nobody_new(u: Candidate) -> bool:
        if u.scope == Scope.TEAM:
            pool = by_team.get(u.team_id, [])
        elif u.scope == Scope.ORGANISATION:
            pool = by_org.get(u.organisation_id, [])
        else:
            pool = everyone + by_team.get(u.team_id, []) + by_org.get(u.organisation_id, [])
        return not any(may_meet(u, v) and frozenset((u.id, v.id)) not in met for v in pool)

    forced = sum(1 for a, b in repeated if nobody_new(by_id[a]) or nobody_new(by_id[b]))
    matched = sum(len(g.members) for g in result.groups)
    return Quality(
        repeats_avoided=100.0 * fresh / max(pairs, 1),
        language_match=100.0 * shared / max(len(result.groups), 1),
        matched=100.0 * matched / len(people),
        repeated_pairs=len(repeated),
        forced_repeats=forced,
        broken_rules=broken,
    )


def main() -> int:
    if hasattr(os, "sched_setaffinity"):  # one core, like `taskset -c 0` for bench-qa
        with contextlib.suppress(OSError):  # not allowed here: run where we are put
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    people = population(N)
    history: list[list[tuple[str, ...]]] = []
    start = time.perf_counter()
    for round_number in range(HISTORY_ROUNDS):
        history.append(as_round(pair(people, history, seed=round_number, repeat_window=WINDOW)))
    print(f"history: {HISTORY_ROUNDS} rounds in {time.perf_counter() - start:.1f} s")
    # CPU time of this process: other work on the machine does not count against us.
    wall = time.perf_counter()
    start = time.process_time()
    result = pair(people, history, seed=HISTORY_ROUNDS, repeat_window=WINDOW)
    seconds = time.process_time() - start
    wall = time.perf_counter() - wall
    quality = measure(people, history, result)
    sizes = Counter(len(g.members) for g in result.groups)
    reasons = Counter(u.reason.value for u in result.unmatched)
    print(f"participants: {len(people)}, window: {WINDOW} rounds")
    print(f"groups: {len(result.groups)} ({sizes[2]} pairs, {sizes[3]} trios)")
    size_of = {c.id: c.group_size for c in people}
    in_trios = [size_of[m] for g in result.groups if len(g.members) == 3 for m in g.members]
    trio_people = sum(1 for c in people if c.group_size == 3)
    print(
        f"trio people in a trio: {in_trios.count(3)} of {trio_people}; "
        f"pair people in a trio: {in_trios.count(2)}"
    )
    print(f"unmatched: {len(result.unmatched)} {dict(sorted(reasons.items()))}")
    print(
        f"round {HISTORY_ROUNDS + 1}: {seconds:.3f} s CPU, {wall:.3f} s wall "
        f"(target <= {TARGET_SECONDS:.0f} s)"
    )
    print(
        f"repeats avoided: {quality.repeats_avoided:.3f} % of member pairs had not met in the "
        f"window ({quality.repeated_pairs} repeated pairs, {quality.forced_repeats} of them "
        "with a member who had nobody new left to meet)"
    )
    print(f"language match: {quality.language_match:.3f} % of groups share a language")
    print(f"matched: {quality.matched:.3f} % of participants")
    print(f"pairs breaking a meeting rule (scope, do-not-pair, language): {quality.broken_rules}")
    print(
        f"RESULT pairing n={len(people)} seconds={seconds:.3f} "
        f"repeats_avoided_pct={quality.repeats_avoided:.3f} "
        f"language_match_pct={quality.language_match:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
