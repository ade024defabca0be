"""Who meets whom in a virtual-coffee round: the pure pairing core.

No I/O, no SDK, no clock: the same candidates, history and seed always give the same
`Pairing` (the seed is stored with the round so a round can be explained later).

The promises, in the order they win when they conflict:

1. Two people meet only if they share a language, neither has the other on a do-not-pair
   list, and each one's scope admits the other (team: same team; organisation: same
   organisation; everyone: anyone whose own scope admits them back).
2. Nobody is dropped silently: everyone is in exactly one group or in `unmatched` with a
   reason. An odd participant joins a trio.
3. No two people meet again within the last `repeat_window` rounds where the population
   allows it: a repeat happens only when the alternative is leaving someone out.
4. Someone who asked for pairs is put in a trio only when that keeps somebody from being
   left out (the odd participant) or from a repeat.
5. People who asked for trios meet in trios among themselves where possible; otherwise
   they get a pair.
6. Among unavoidable repeats, the pair that met longest ago is preferred.

How: people are split into pools, most constrained first (team scope per team, then
organisation scope per organisation, then everyone scope), borrowing free people of
wider scope from the same team or organisation as partners. Each pool is matched
greedily from shuffled per-language lists (most constrained people first, the first
compatible partner not met recently wins, trio people first try a trio among themselves,
leftovers join a pair as a trio), then a group with a repeat is regrouped with another
group where that is cheaper. A pool of at most `EXACT_LIMIT` people whose greedy result is
not perfect is then solved by branch and bound over the costs above, which makes the rules
hold exactly for small populations (within a node budget). A final repair pass pairs or
places whoever is still free (joining a pair, splitting a trio, or moving one person of a
pair) before anyone is declared unmatched.
"""

from __future__ import annotations

import gc
import random
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations, groupby, permutations, repeat
from operator import attrgetter
from typing import TypeVar

from bot.i18n import LANGUAGES


class Scope(StrEnum):
    """Who a participant is willing to meet."""

    TEAM = "team"
    ORGANISATION = "organisation"
    EVERYONE = "everyone"


@dataclass(frozen=True)
class Candidate:
    """One participant who is due for this round and not paused."""

    id: str  # Entra object id
    languages: frozenset[str]  # subset of {"fi","sv","en"}; empty: unmatched, never an error
    group_size: int = 2  # 2, or 3 if the person prefers trios
    scope: str = Scope.ORGANISATION  # a `Scope` value
    team_id: str | None = None
    organisation_id: str | None = None
    avoid: frozenset[str] = frozenset()  # never pair with these (respected both ways)


@dataclass(frozen=True)
class Group:
    members: tuple[str, ...]  # 2 or 3 ids, sorted
    languages: frozenset[str]  # languages all members share (non-empty)
    repeats: int  # how many member pairs met within the window


class UnmatchedReason(StrEnum):
    NO_SHARED_LANGUAGE = "no_shared_language"  # nobody in scope speaks their language(s)
    NO_ONE_IN_SCOPE = "no_one_in_scope"  # nobody else is within their (mutual) scope
    ONLY_AVOIDED = "only_avoided"  # everyone else they could meet is on their own list
    ALONE = "alone"  # they are the only participant this round
    # Someone could meet them in principle, but every such person is taken and no
    # rearrangement frees one. Also used when the only people left have *them* on a
    # do-not-pair list: whose list it is is never revealed.
    NO_FREE_PARTNER = "no_free_partner"


@dataclass(frozen=True)
class Unmatched:
    id: str
    reason: UnmatchedReason


@dataclass(frozen=True)
class Pairing:
    groups: tuple[Group, ...]  # sorted by members
    unmatched: tuple[Unmatched, ...]  # sorted by id


# A pool of at most this many people (required plus borrowed) is solved exactly.
EXACT_LIMIT = 40
# Search nodes per exactly solved pool; past it the best arrangement found so far is kept.
# Pools of the quality-test sizes (up to 10 people) finish far below it. A pool with
# borrowed people reaches the search only when the greedy pass left someone out or made a
# repeat, and then seldom can do better, so it gets the smaller budget.
NODE_BUDGET = 4000
NODE_BUDGET_BORROWING = 300
# A small pool's search takes up to two borrowed people per required person, plus this many.
_EXTRA_BORROWED = 4
# A pool's leftover looks at this many possible pairs to join before taking the cheapest.
_JOIN_LOOKS = 64
# Having found a trio person to pair with, a pair person looks this much further for a
# pair person (trio people are kept for trios).
_PAIR_LOOKS = 32
# A trio person looks at this many free trio people for two who fit together.
_TRIO_LOOKS = 8
# A costly group is regrouped with at most this many other groups of its pool.
_REGROUP_LOOKS = 60
# The repair pass tries at most this many "move one person of a pair" rearrangements.
_MOVE_TRIES = 50

# Costs, lexicographic by magnitude (see the module docstring for the order).
_UNMATCHED = 10**15
_REPEAT = 10**11
_PAIR_PERSON_IN_TRIO = 10**8
_TRIO_PERSON_IN_PAIR = 10**5
_MAX_RECENCY = 1000  # added to _REPEAT: the more recent the meeting, the dearer

_T = TypeVar("_T", bound=Hashable)
# A search option: (cost, fresh partners its partners have left, random order, bits, group).
_Option = tuple[int, int, float, int, tuple[int, ...]]
_TEAM, _ORGANISATION, _EVERYONE = 0, 1, 2
_SCOPE_CODES = {
    Scope.TEAM.value: _TEAM,
    Scope.ORGANISATION.value: _ORGANISATION,
    Scope.EVERYONE.value: _EVERYONE,
}
_LANG_BIT: dict[str, int] = {code: 1 << i for i, code in enumerate(LANGUAGES)}
_BITS = tuple(_LANG_BIT.values())
_LISTS_OF = tuple(  # language mask -> positions in _BITS of its languages
    tuple(k for k, bit in enumerate(_BITS) if mask & bit) for mask in range(1 << len(_BITS))
)
# Longest-first order of the language lists -> language mask -> the lists to scan.
_SCAN_ORDER = {
    longest: tuple(tuple(k for k in longest if k in ks) for ks in _LISTS_OF)
    for longest in permutations(range(len(_BITS)))
}


def _splits(n: int) -> list[list[tuple[int, ...]]]:
    """Every way to split n (4 to 6) people into groups of 2 and 3, by position."""
    if n == 0:
        return [[]]
    found = []
    for size in (2, 3):
        if n - size in (0, 2, 3, 4):
            for rest in combinations(range(1, n), size - 1):
                group = (0, *rest)
                others = [k for k in range(n) if k not in group]
                for tail in _splits(n - size):
                    found.append([group, *(tuple(others[k] for k in part) for part in tail)])
    return found


_SPLITS = {n: _splits(n) for n in (4, 5, 6)}
_LANGSETS = tuple(
    frozenset(code for code, bit in _LANG_BIT.items() if mask & bit)
    for mask in range(1 << len(LANGUAGES))
)


def _codes(
    people: Sequence[Candidate], values: list[_T], code: Callable[[_T], int], what: str
) -> list[int]:
    """`code` applied once per distinct value; an error names the first person with it."""
    table: dict[_T, int] = {}
    for value in dict.fromkeys(values):
        try:
            table[value] = code(value)
        except ValueError as error:
            who = people[values.index(value)].id
            raise ValueError(f"candidate {who!r}: {what} {error}") from None
    return list(map(table.__getitem__, values))


def _language_mask(languages: frozenset[str]) -> int:
    mask = 0
    for code in sorted(languages):
        bit = _LANG_BIT.get(code)
        if bit is None:
            raise ValueError(f"{code!r} is unknown (expected some of {', '.join(LANGUAGES)})")
        mask |= bit
    return mask


def _scope_code(scope: str) -> int:
    code = _SCOPE_CODES.get(scope)
    if code is None:
        expected = ", ".join(s.value for s in Scope)
        raise ValueError(f"{scope!r} is unknown (expected one of {expected})")
    return code


def _prefers_trio(group_size: int) -> int:
    if group_size not in (2, 3):
        raise ValueError(f"{group_size!r} is not 2 or 3")
    return int(group_size == 3)


def pair(
    candidates: Sequence[Candidate],
    history: Sequence[Sequence[Collection[str]]],
    *,
    seed: int,
    repeat_window: int = 6,
) -> Pairing:
    """Group this round's candidates; see the module docstring for the rules.

    `history` is the past rounds, oldest first, each a list of groups of member ids; ids of
    people who are not candidates now are ignored. Raises ValueError for input that can
    only come from a bug: a duplicate or empty id, an unknown language code, scope or group
    size, a negative window, or a bare string where a history group was expected. States a
    person can reach through their settings (no language chosen, team scope without a team,
    only avoided people) end in `unmatched` with a reason instead.
    """
    if repeat_window < 0:
        raise ValueError(f"repeat_window must be >= 0, got {repeat_window}")
    people = sorted(candidates, key=attrgetter("id"))
    # The cyclic garbage collector is paused for the call: nothing here makes reference
    # cycles, and at 100 000 people its full passes over the caller's objects would
    # otherwise cost a tenth of the time budget. Its previous state is restored.
    collecting = gc.isenabled()
    gc.disable()
    try:
        round_ = _Round(people, seed)
        round_.load_history(history, repeat_window)
        round_.match()
        return round_.result()
    finally:
        if collecting:
            gc.enable()


class _Round:
    """Working state of one call: people as indices 0..n-1 in id order."""

    def __init__(self, people: Sequence[Candidate], seed: int) -> None:
        n = len(people)
        self.ids: list[str] = [c.id for c in people]
        if not all(map(isinstance, self.ids, repeat(str))) or "" in self.ids:
            name = next(name for name in self.ids if not isinstance(name, str) or not name)
            raise ValueError(f"candidate id must be a non-empty string, got {name!r}")
        self.index = {name: k for k, name in enumerate(self.ids)}
        if len(self.index) < n:
            counts = Counter(self.ids)
            duplicate = min(name for name, count in counts.items() if count > 1)
            raise ValueError(f"duplicate candidate id {duplicate!r}")
        # Each attribute is read in one pass and coded once per distinct value: at 100 000
        # people, per-person function calls would be a noticeable share of the time budget.
        self.lang = _codes(people, [c.languages for c in people], _language_mask, "language")
        self.scope = _codes(people, [c.scope for c in people], _scope_code, "scope")
        self.pref3 = _codes(people, [c.group_size for c in people], _prefers_trio, "group_size")
        self.team = self._numbered([c.team_id for c in people])
        self.org = self._numbered([c.organisation_id for c in people])
        self.by_team = self._members(self.team)
        self.by_org = self._members(self.org)
        self.everyone = [i for i, scope in enumerate(self.scope) if scope == _EVERYONE]
        self.own_avoid: dict[int, set[int]] = {}
        self.avoid: dict[int, set[int]] = {}  # symmetric: either one asked
        for i in [i for i, c in enumerate(people) if c.avoid]:
            for other in people[i].avoid:
                j = self.index.get(other)
                if j is None or j == i:  # someone not taking part, or themselves
                    continue
                self.own_avoid.setdefault(i, set()).add(j)
                self.avoid.setdefault(i, set()).add(j)
                self.avoid.setdefault(j, set()).add(i)
        # A random float per person orders everything random in the round (ties between
        # floats from one generator do not happen in practice, and would still be stable).
        draw = random.Random(seed).random
        self.rank = [draw() for _ in range(n)]
        self.recent: list[dict[int, int]] = [{} for _ in range(n)]
        self.group_of = [-1] * n
        self.groups: list[list[int]] = []
        self.stale: list[int] = []  # groups the greedy pass made with a repeat
        self.compatible = self._compatibility()

    @staticmethod
    def _numbered(values: list[str | None]) -> list[int]:
        """Small integers for team or organisation ids; -1 for none."""
        codes: dict[str | None, int] = {None: -1}
        for value in dict.fromkeys(values):
            if value is not None:
                codes[value] = len(codes) - 1
        return list(map(codes.__getitem__, values))

    @staticmethod
    def _members(codes: list[int]) -> dict[int, list[int]]:
        """Code -> people with it, in index order (-1 left out)."""
        order = sorted(range(len(codes)), key=codes.__getitem__)  # stable: index order kept
        return {
            code: list(people)
            for code, people in groupby(order, key=codes.__getitem__)
            if code >= 0
        }

    # -- inputs ----------------------------------------------------------------------------

    def load_history(self, history: Sequence[Sequence[Collection[str]]], window: int) -> None:
        """Fill `recent[a][b]` with a weight that grows with how recently a and b met."""
        if window == 0:
            return
        get = self.index.get
        recent = self.recent
        first = max(len(history) - window, 0)
        # Newest first, so setdefault keeps the weight of the latest meeting.
        for position in range(len(history) - 1, first - 1, -1):
            weight = min(window - (len(history) - 1 - position), _MAX_RECENCY)
            groups = history[position]
            if any(map(isinstance, groups, repeat(str))):
                # A string is a Collection[str] too: "ab" would read as people "a" and "b".
                text = next(g for g in groups if isinstance(g, str))
                raise ValueError(
                    f"history round {position}: a group must be a collection of ids, "
                    f"not the string {text!r}"
                )
            for group in groups:
                if len(group) == 2:  # the common case, kept fast
                    x, y = group
                    a, b = get(x), get(y)
                    if a is not None and b is not None and a != b:
                        recent[a].setdefault(b, weight)
                        recent[b].setdefault(a, weight)
                    continue
                members = [k for k in map(get, group) if k is not None]
                for at, a in enumerate(members):
                    for b in members[at + 1 :]:
                        if a != b:
                            recent[a].setdefault(b, weight)
                            recent[b].setdefault(a, weight)

    # -- relations -------------------------------------------------------------------------

    def admits(self, a: int, b: int) -> bool:
        """Whether a's scope lets a meet b (one direction only)."""
        scope = self.scope[a]
        if scope == _EVERYONE:
            return True
        if scope == _TEAM:
            return self.team[a] >= 0 and self.team[a] == self.team[b]
        return self.org[a] >= 0 and self.org[a] == self.org[b]

    def _compatibility(self) -> Callable[[int, int], bool]:
        """`compatible(a, b)`: shared language, mutual scope, neither avoids the other.

        A closure over the arrays: it is the innermost test of every strategy."""
        lang, scope, team, org, avoid = self.lang, self.scope, self.team, self.org, self.avoid

        def compatible(a: int, b: int) -> bool:
            if a == b or not lang[a] & lang[b]:
                return False
            for x, y in ((a, b), (b, a)):
                s = scope[x]
                if s == _TEAM:
                    if team[x] < 0 or team[x] != team[y]:
                        return False
                elif s == _ORGANISATION and (org[x] < 0 or org[x] != org[y]):
                    return False
            avoided = avoid.get(a)
            return avoided is None or b not in avoided

        return compatible

    def cost(self, members: Sequence[int]) -> int:
        """The cost of one group: repeats (dearer the more recent), then missed size
        preferences (see the cost constants)."""
        total = 0
        if len(members) == 3:
            total += _PAIR_PERSON_IN_TRIO * sum(1 for m in members if not self.pref3[m])
        else:
            total += _TRIO_PERSON_IN_PAIR * sum(1 for m in members if self.pref3[m])
        for x, a in enumerate(members):
            recent = self.recent[a]
            for b in members[x + 1 :]:
                weight = recent.get(b, 0)
                if weight:
                    total += _REPEAT + weight
        return total

    def reachable(self, u: int) -> Iterator[int]:
        """Everyone who might be in u's mutual scope (a superset; may repeat people)."""
        scope = self.scope[u]
        team, org = self.team[u], self.org[u]
        if scope == _TEAM:
            yield from self.by_team.get(team, ())
        elif scope == _ORGANISATION:
            yield from self.by_org.get(org, ())
        else:
            yield from self.everyone
            yield from self.by_team.get(team, ())
            yield from self.by_org.get(org, ())

    # -- groups ----------------------------------------------------------------------------

    def add_group(self, members: list[int]) -> None:
        number = len(self.groups)
        self.groups.append(members)
        for m in members:
            self.group_of[m] = number

    def join(self, u: int, number: int) -> None:
        self.groups[number].append(u)
        self.group_of[u] = number

    def leave(self, v: int) -> None:
        self.groups[self.group_of[v]].remove(v)
        self.group_of[v] = -1

    # -- the round -------------------------------------------------------------------------

    def match(self) -> None:
        """Pools from the most to the least constrained scope, then the repair pass."""
        n = len(self.ids)
        if n < 2:
            return
        ok = [
            bool(lang) and (team >= 0 if scope == _TEAM else scope == _EVERYONE or org >= 0)
            for lang, scope, team, org in zip(
                self.lang, self.scope, self.team, self.org, strict=True
            )
        ]
        group_of = self.group_of
        scope = self.scope
        for team in sorted(self.by_team):
            members = self.by_team[team]
            required = [i for i in members if scope[i] == _TEAM and ok[i]]
            if required:
                borrowed = [i for i in members if scope[i] != _TEAM and ok[i] and group_of[i] < 0]
                self.solve(required, borrowed)
        for org in sorted(self.by_org):
            members = self.by_org[org]
            required = [
                i for i in members if scope[i] == _ORGANISATION and ok[i] and group_of[i] < 0
            ]
            if required:
                borrowed = [
                    i for i in members if scope[i] == _EVERYONE and ok[i] and group_of[i] < 0
                ]
                self.solve(required, borrowed)
        required = [i for i in self.everyone if ok[i] and group_of[i] < 0]
        if required:
            self.solve(required, [])
        leftovers = sorted(
            (i for i in range(n) if ok[i] and group_of[i] < 0), key=self.rank.__getitem__
        )
        # Placing one person can open a spot for someone tried before: sweep until stable.
        while leftovers:
            for u in leftovers:
                if group_of[u] < 0:
                    self.repair(u)
            still = [u for u in leftovers if group_of[u] < 0]
            if len(still) == len(leftovers):
                break
            leftovers = still

    def solve(self, required: list[int], borrowed: list[int]) -> None:
        """Group everyone in `required`, using people in `borrowed` only as partners."""
        if len(required) > EXACT_LIMIT:
            self.greedy(required, borrowed)
            return
        # The greedy pass first: its arrangement is kept if it is perfect and otherwise is
        # the one the search has to beat.
        mark = len(self.groups)
        costly = self.greedy(required, borrowed)
        left_out = _UNMATCHED * sum(1 for i in required if self.group_of[i] < 0)
        # With people to borrow, an arrangement with nobody left out and no repeat is kept
        # without a search: a missed size preference is rare there, and proving it
        # unavoidable can take long. Only trios and pairs made with a repeat can hold one.
        if borrowed and not left_out and all(self.cost(self.groups[k]) < _REPEAT for k in costly):
            return
        found = [list(g) for g in self.groups[mark:]]
        cost = left_out + sum(map(self.cost, found))
        if cost == 0:
            return
        for group in found:
            for member in group:
                self.group_of[member] = -1
        del self.groups[mark:]
        for group in self.exact(required, self.useful(required, borrowed), cost) or found:
            self.add_group(group)
        # A search cut short by its budget may leave a repeat that a regrouping removes.
        self.polish(list(range(mark, len(self.groups))), required + borrowed)

    def useful(self, required: list[int], borrowed: list[int]) -> list[int]:
        """The few borrowed people worth searching with: for each required person the first
        ones (in random order) they may meet and have not met recently, then anyone."""
        limit = max(min(EXACT_LIMIT - len(required), 2 * len(required) + _EXTRA_BORROWED), 0)
        borrowed = sorted(borrowed, key=self.rank.__getitem__)
        if len(borrowed) <= limit:
            return borrowed
        chosen: dict[int, None] = {}
        for u in sorted(required, key=self.rank.__getitem__):
            recent = self.recent[u]
            found = 0
            for v in borrowed:
                if v not in recent and self.compatible(u, v):
                    chosen[v] = None
                    found += 1
                    if found == 2:
                        break
        for v in borrowed:
            chosen[v] = None
        return list(chosen)[:limit]

    # -- exact: branch and bound -------------------------------------------------------------

    def exact(self, required: list[int], borrowed: list[int], to_beat: int) -> list[list[int]]:
        """The best arrangement costing less than `to_beat`; [] if none was found."""
        rank = self.rank
        required = sorted(required, key=rank.__getitem__)
        people = required + sorted(borrowed, key=rank.__getitem__)
        m = len(people)
        n_required = len(required)
        lang = [self.lang[i] for i in people]
        pref3 = [self.pref3[i] for i in people]
        order = [rank[i] for i in people]
        trio_people = sum(1 << k for k in range(m) if pref3[k])
        required_mask = (1 << n_required) - 1
        borrowed_mask = ((1 << m) - 1) ^ required_mask
        adj = [0] * m
        fresh = [0] * m
        pair_cost = [[0] * m for _ in range(m)]
        for a in range(m):
            pa = people[a]
            recent = self.recent[pa]
            for b in range(a + 1, m):
                pb = people[b]
                if not self.compatible(pa, pb):
                    continue
                adj[a] |= 1 << b
                adj[b] |= 1 << a
                weight = recent.get(pb, 0)
                if weight:
                    pair_cost[a][b] = pair_cost[b][a] = _REPEAT + weight
                else:
                    fresh[a] |= 1 << b
                    fresh[b] |= 1 << a
        in_pair = [_TRIO_PERSON_IN_PAIR if t else 0 for t in pref3]
        in_trio = [0 if t else _PAIR_PERSON_IN_TRIO for t in pref3]

        budget = NODE_BUDGET_BORROWING if m > n_required else NODE_BUDGET
        best_cost = to_beat
        best: list[tuple[int, ...]] = []
        chosen: list[tuple[int, ...]] = []
        nodes = 0

        def trios(p: int, free: int, cheap: bool) -> list[_Option]:
            """Trio options for p: all trio people if `cheap`, else ones with a pair person."""
            options: list[_Option] = []
            partners = adj[p] & free
            if cheap:
                partners &= trio_people
            rest = partners
            while rest:
                low = rest & -rest
                rest ^= low
                q = low.bit_length() - 1
                others = partners & adj[q] & ~((low << 1) - 1)
                while others:
                    low_r = others & -others
                    others ^= low_r
                    r = low_r.bit_length() - 1
                    if not lang[p] & lang[q] & lang[r]:
                        continue
                    if not cheap and pref3[p] and pref3[q] and pref3[r]:
                        continue
                    c = (
                        pair_cost[p][q]
                        + pair_cost[p][r]
                        + pair_cost[q][r]
                        + in_trio[p]
                        + in_trio[q]
                        + in_trio[r]
                    )
                    scarce = min((fresh[q] & free).bit_count(), (fresh[r] & free).bit_count())
                    options.append((c, scarce, min(order[q], order[r]), low | low_r, (p, q, r)))
            return options

        def fresh_trio(p: int, free: int) -> bool:
            """Whether p can still be in a trio of trio people with no repeat."""
            mates = fresh[p] & free & trio_people
            while mates:
                low = mates & -mates
                mates ^= low
                q = low.bit_length() - 1
                others = mates & fresh[q]
                while others:
                    low_r = others & -others
                    others ^= low_r
                    if lang[p] & lang[q] & lang[low_r.bit_length() - 1]:
                        return True
            return False

        def search(free: int, cost: int) -> None:
            nonlocal nodes, best_cost, best
            nodes += 1
            if nodes > budget:
                return
            free_required = free & required_mask
            if not free_required:
                if cost < best_cost:
                    best_cost = cost
                    best = list(chosen)
                return
            # Lower bound on what is still to pay, and the most constrained person to place.
            stuck = stale = short_of_trio = 0
            placeable = 0
            # The person with the fewest partners not met recently goes first (then the
            # fewest partners at all): repeats are then found early, not at the bottom.
            pick, pick_key = -1, m * m + m + 1
            rest = free_required
            while rest:
                low = rest & -rest
                rest ^= low
                p = low.bit_length() - 1
                partners = adj[p] & free
                degree = partners.bit_count()
                if not degree:
                    stuck += 1
                else:
                    placeable |= low
                    if not fresh[p] & free:
                        stale += 1
                    if pref3[p] and not fresh_trio(p, free):
                        short_of_trio += 1
                key = (fresh[p] & free).bit_count() * (m + 1) + degree if degree else -1
                if key < pick_key:
                    pick, pick_key = p, key
            bound = stuck * _UNMATCHED + (stale + 1) // 2 * _REPEAT
            parity = 0
            if placeable.bit_count() % 2 and not free & borrowed_mask:
                # An odd number to place with nobody spare: some trio is unavoidable.
                parity = _PAIR_PERSON_IN_TRIO * max(0, 3 - (placeable & trio_people).bit_count())
            bound += parity if parity else short_of_trio * _TRIO_PERSON_IN_PAIR
            if cost + bound >= best_cost:
                return
            p = pick
            rest_free = free & ~(1 << p)
            partners = adj[p] & rest_free
            if partners:
                options: list[_Option] = []
                rest = partners
                while rest:
                    low = rest & -rest
                    rest ^= low
                    q = low.bit_length() - 1
                    c = pair_cost[p][q] + in_pair[p] + in_pair[q]
                    # Among equals, the partner with the fewest fresh partners left first.
                    options.append((c, (fresh[q] & rest_free).bit_count(), order[q], low, (p, q)))
                if pref3[p]:
                    options.extend(trios(p, rest_free, cheap=True))
                options.sort()
                for c, _, _, taken, group in options:
                    if cost + c >= best_cost:
                        break
                    chosen.append(group)
                    search(rest_free & ~taken, cost + c)
                    chosen.pop()
                if cost + _PAIR_PERSON_IN_TRIO < best_cost:
                    dear = trios(p, rest_free, cheap=False)
                    dear.sort()
                    for c, _, _, taken, group in dear:
                        if cost + c >= best_cost:
                            break
                        chosen.append(group)
                        search(rest_free & ~taken, cost + c)
                        chosen.pop()
            if cost + _UNMATCHED < best_cost:
                search(rest_free, cost + _UNMATCHED)

        search((1 << m) - 1, 0)
        return [[people[k] for k in group] for group in best]

    # -- greedy: every pool first -----------------------------------------------------------

    def greedy(self, required: list[int], borrowed: list[int]) -> list[int]:
        """Group `required` greedily; returns the groups that may hold a repeat."""
        rank, lang, pref3, group_of = self.rank, self.lang, self.pref3, self.group_of
        mark = len(self.groups)
        members = sorted(required + borrowed, key=rank.__getitem__)
        lists = [[i for i in members if lang[i] & bit] for bit in _BITS]
        sizes = [len(lst) for lst in lists]
        # The people with the fewest possible partners choose first (the sum of the list
        # lengths overcounts multilingual people, which is fine for an order).
        reach = [0] * len(_LANGSETS)
        for mask in range(1, len(reach)):
            low = mask & -mask
            reach[mask] = reach[mask ^ low] + sizes[low.bit_length() - 1]
        order = sorted(required, key=lambda i: reach[lang[i]] + rank[i])
        # Scan the longest language list first so rarer speakers stay for those who need them.
        list_order = _SCAN_ORDER[tuple(sorted(range(len(_BITS)), key=lambda k: -sizes[k]))]
        if any(pref3[i] for i in required):
            trio_lists = [[i for i in lst if pref3[i]] for lst in lists]
            trio_heads = [0] * len(_BITS)
            for u in order:
                if pref3[u] and group_of[u] < 0:
                    self.greedy_trio(u, list_order[lang[u]], trio_lists, trio_heads)
        heads = [0] * len(_BITS)
        for u in order:
            if group_of[u] < 0:
                self.greedy_pair(u, list_order[lang[u]], lists, heads)
        for u in order:
            if group_of[u] < 0:
                self.join_nearby(u, [lists[k] for k in list_order[lang[u]]])
        # Only groups made with a repeat or as a trio can be improved by a swap.
        costly = [k for k in range(mark, len(self.groups)) if len(self.groups[k]) == 3]
        costly.extend(self.stale)
        self.stale.clear()
        self.polish(costly, members)
        return costly

    def polish(self, numbers: list[int], pool: list[int]) -> None:
        """Regroup a costly group together with one other group while that lowers the cost.

        The four to six people of the two groups are split again in the cheapest valid way
        (two pairs; a pair and a trio; two trios or three pairs), which covers swapping two
        people and also dissolving a repeated trio when the round's odd count allows."""
        groups, group_of, cost, valid = self.groups, self.group_of, self.cost, self.valid
        for number in numbers:
            for _ in range(3):
                here = cost(groups[number])
                if here < _PAIR_PERSON_IN_TRIO:
                    break
                best: list[list[int]] = []
                best_gain, best_other = 0, -1
                seen = {number}
                for c in pool:
                    other = group_of[c]
                    if other < 0 or other in seen:
                        continue
                    seen.add(other)
                    if len(seen) > _REGROUP_LOOKS:
                        break
                    people = groups[number] + groups[other]
                    before = here + cost(groups[other])
                    for split in _SPLITS[len(people)]:
                        parts = [[people[k] for k in part] for part in split]
                        if not all(map(valid, parts)):
                            continue
                        gain = before - sum(map(cost, parts))
                        if gain > best_gain:
                            best, best_gain, best_other = parts, gain, other
                    if best:
                        break
                if not best:
                    break
                groups[number], groups[best_other] = best[0], best[1]
                for k in (number, best_other):
                    for member in groups[k]:
                        group_of[member] = k
                if len(best) == 3:
                    numbers.append(len(groups))  # looked at in its turn (and by the caller)
                    self.add_group(best[2])

    def valid(self, members: list[int]) -> bool:
        """Whether these people may form a group (pairwise compatible, a common language)."""
        compatible = self.compatible
        if len(members) == 2:
            return compatible(members[0], members[1])
        a, b, c = members
        return (
            bool(self.lang[a] & self.lang[b] & self.lang[c])
            and compatible(a, b)
            and compatible(a, c)
            and compatible(b, c)
        )

    def greedy_trio(
        self, u: int, which: Sequence[int], lists: list[list[int]], heads: list[int]
    ) -> None:
        """A trio of trio people with no repeat among them, if one is close at hand."""
        group_of, recent, compatible, lang = self.group_of, self.recent, self.compatible, self.lang
        found: list[int] = []
        rec_u = recent[u]
        for k in which:
            lst = lists[k]
            end = len(lst)
            p = heads[k]
            while p < end and group_of[lst[p]] >= 0:
                p += 1
            heads[k] = p
            while p < end and len(found) < _TRIO_LOOKS:
                v = lst[p]
                p += 1
                if v == u or group_of[v] >= 0 or v in found or v in rec_u:
                    continue
                if compatible(u, v):
                    found.append(v)
        for x, v in enumerate(found):
            for w in found[x + 1 :]:
                if lang[u] & lang[v] & lang[w] and w not in recent[v] and compatible(v, w):
                    self.add_group([u, v, w])
                    return

    def greedy_pair(
        self, u: int, which: Sequence[int], lists: list[list[int]], heads: list[int]
    ) -> None:
        """The first compatible free partner who asked for pairs and was not met recently;
        else a trio person not met recently (found within a few more looks); else the one
        met longest ago. Trio people are kept for the trios of a later pool."""
        group_of, compatible, pref3 = self.group_of, self.compatible, self.pref3
        rec_u = self.recent[u]
        best, best_key = -1, 2 * _MAX_RECENCY + 2
        after_fallback = 0
        for k in which:
            lst = lists[k]
            end = len(lst)
            p = heads[k]
            while p < end and group_of[lst[p]] >= 0:
                p += 1
            heads[k] = p
            while p < end:
                v = lst[p]
                p += 1
                if v == u or group_of[v] >= 0 or not compatible(u, v):
                    continue
                key = 2 * rec_u.get(v, 0) + pref3[v]
                if not key:
                    self.add_group([u, v])
                    return
                if key < best_key:
                    best, best_key = v, key
                if best_key == 1:
                    after_fallback += 1
                    if after_fallback > _PAIR_LOOKS:
                        break
            if after_fallback > _PAIR_LOOKS:
                break
        if best >= 0:
            if best_key > 1:
                self.stale.append(len(self.groups))
            self.add_group([u, best])

    def join_nearby(self, u: int, lists: list[list[int]]) -> None:
        """Make the cheapest of the first few pairs that u can join into a trio."""
        looked = 0
        best, best_delta = -1, 0
        seen: set[int] = set()
        for lst in lists:
            for v in lst:
                number = self.group_of[v]
                if number < 0 or number in seen:
                    continue
                seen.add(number)
                delta = self.join_delta(u, number)
                if delta is None:
                    continue
                if best < 0 or delta < best_delta:
                    best, best_delta = number, delta
                looked += 1
                if looked >= _JOIN_LOOKS:
                    break
            if looked >= _JOIN_LOOKS:
                break
        if best >= 0:
            self.join(u, best)

    def join_delta(self, u: int, number: int) -> int | None:
        """Extra cost of u joining pair `number` as a trio; None if it cannot."""
        group = self.groups[number]
        if len(group) != 2:
            return None
        v, w = group
        if not self.lang[u] & self.lang[v] & self.lang[w]:
            return None
        if not (self.compatible(u, v) and self.compatible(u, w)):
            return None
        return self.cost([u, v, w]) - self.cost(group)

    # -- repair: whoever is still free -------------------------------------------------------

    def repair(self, u: int) -> None:
        """Place u: with a free partner, into a pair, by splitting a trio or moving someone."""
        if self.place(u, exclude=-1):
            return
        # Take v from a pair (v, w) if w can then be placed elsewhere.
        tries = 0
        for v in sorted(set(self.reachable(u)), key=self.rank.__getitem__):
            number = self.group_of[v]
            if number < 0 or len(self.groups[number]) != 2 or not self.compatible(u, v):
                continue
            (w,) = (x for x in self.groups[number] if x != v)
            self.leave(w)
            self.join(u, number)
            if self.place(w, exclude=number):
                return
            self.leave(u)
            self.join(w, number)
            tries += 1
            if tries >= _MOVE_TRIES:
                return

    def place(self, u: int, exclude: int) -> bool:
        """Put free u in the cheapest valid spot (not group `exclude`); False if none.

        A free partner first; else the cheapest of the first few pairs to join or trios
        to split (the trio's other two stay together as a pair)."""
        group_of, compatible, cost, groups = self.group_of, self.compatible, self.cost, self.groups
        partner, partner_cost = -1, 0
        for v in self.reachable(u):
            if group_of[v] < 0 and compatible(u, v):
                c = cost([u, v])
                if partner < 0 or c < partner_cost:
                    partner, partner_cost = v, c
        if partner >= 0:
            self.add_group([u, partner])
            return True
        target, target_delta, looked = -1, 0, 0
        for v in self.reachable(u):
            number = group_of[v]
            if number < 0 or number == exclude or not compatible(u, v):
                continue
            group = groups[number]
            if len(group) == 2:
                delta = self.join_delta(u, number)
                if delta is None:
                    continue
            else:
                x, y = (m for m in group if m != v)
                delta = cost([u, v]) + cost([x, y]) - cost(group)
            if target < 0 or delta < target_delta:
                target, target_delta = v, delta
            looked += 1
            if looked >= _JOIN_LOOKS:
                break
        if target < 0:
            return False
        number = group_of[target]
        if len(groups[number]) == 2:
            self.join(u, number)
        else:
            self.leave(target)
            self.add_group([u, target])
        return True

    # -- output ----------------------------------------------------------------------------

    def reason(self, u: int) -> UnmatchedReason:
        """Why u is left out, without revealing anyone else's do-not-pair list."""
        if len(self.ids) == 1:
            return UnmatchedReason.ALONE
        in_scope = shares_language = False
        own = self.own_avoid.get(u, set())
        for v in self.reachable(u):
            if v == u or not (self.admits(u, v) and self.admits(v, u)):
                continue
            in_scope = True
            if not self.lang[u]:
                break
            if not self.lang[u] & self.lang[v]:
                continue
            shares_language = True
            if v not in own:
                return UnmatchedReason.NO_FREE_PARTNER
        if not in_scope:
            return UnmatchedReason.NO_ONE_IN_SCOPE
        if not shares_language:
            return UnmatchedReason.NO_SHARED_LANGUAGE
        return UnmatchedReason.ONLY_AVOIDED

    def result(self) -> Pairing:
        ids, lang, recent, group_of = self.ids, self.lang, self.recent, self.group_of
        groups: list[Group] = []
        unmatched: list[Unmatched] = []
        done = bytearray(len(self.groups))
        # People in id order (indices follow ids): each group appears at its first member,
        # so groups come out sorted by members and members sorted within a group.
        for i, number in enumerate(group_of):
            if number < 0:
                unmatched.append(Unmatched(ids[i], self.reason(i)))
                continue
            if done[number]:
                continue
            done[number] = 1
            members = self.groups[number]
            if len(members) == 2:
                a, b = members
                if a > b:
                    a, b = b, a
                groups.append(
                    Group((ids[a], ids[b]), _LANGSETS[lang[a] & lang[b]], int(b in recent[a]))
                )
            else:
                a, b, c = sorted(members)
                repeats = int(b in recent[a]) + int(c in recent[a]) + int(c in recent[b])
                shared = _LANGSETS[lang[a] & lang[b] & lang[c]]
                groups.append(Group((ids[a], ids[b], ids[c]), shared, repeats))
        return Pairing(tuple(groups), tuple(unmatched))
