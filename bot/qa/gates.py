"""Fitted decision models of the engine, read from `gates.json` in the content pack.

Two small logistic regressions per ranking mode ("semantic" with embeddings, "lexical"
without), fitted on the chat dev set by `bench/fit_gates.py`:

- the *ranker* scores each candidate entry of a question from its lexical and semantic
  features; candidates are ordered by it;
- the *gate* turns the features of the best candidate (its ranker score, its lead over the
  best candidate about something else, coverage, question length, ...) into the
  probability that the best candidate is a right answer. That probability is the
  `confidence` of the JSON contract.

`answer_at` is the operating point (chosen on dev so that at most 3 % of answered questions
get a wrong answer); below it, `suggest_at` separates "did you mean" from "not found".
Weights apply to raw feature values (standardisation is folded in by the fitting script).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GATES_FILE = "gates.json"
MODES = ("semantic", "lexical")
CANDIDATE_FEATURES = frozenset({"sem", "sem_gap", "lex", "lex_rel", "cov", "lex_rrf", "sem_rrf"})
QUESTION_FEATURES = frozenset(
    {
        "rank",
        "rank_margin",
        "sem",
        "sem_margin",
        "lex",
        "cov",
        "length",
        "out_of_scope",
        "agree",
    }
)
MAX_BYTES = 256 * 1024


class GatesError(ValueError):
    """gates.json cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Linear:
    """A logistic regression over named features: sigmoid(bias + sum(weight * feature))."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def logit(self, values: Mapping[str, float]) -> float:
        return self.bias + sum(
            w * values[name] for name, w in zip(self.features, self.weights, strict=True)
        )

    def probability(self, values: Mapping[str, float]) -> float:
        return sigmoid(self.logit(values))


@dataclass(frozen=True)
class ModeGates:
    ranker: Linear
    gate: Linear
    answer_at: float  # gate probability from which the best entry is answered
    suggest_at: float  # gate probability from which "did you mean" is offered
    related_at: float  # ranker probability from which another entry is offered as related


@dataclass(frozen=True)
class Gates:
    pack_version: str
    modes: Mapping[str, ModeGates]
    fitted_on: tuple[str, ...] = ()

    def mode(self, semantic: bool) -> ModeGates:
        return self.modes["semantic" if semantic else "lexical"]


def sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def _number(raw: Any, where: str, low: float = -1e6, high: float = 1e6) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise GatesError(f"{where}: expected a number, got {raw!r}")
    value = float(raw)
    if not math.isfinite(value) or not low <= value <= high:
        raise GatesError(f"{where}: {value} is outside {low}..{high}")
    return value


def _linear(raw: Any, where: str, allowed: frozenset[str]) -> Linear:
    if not isinstance(raw, dict):
        raise GatesError(f"{where}: expected a mapping")
    features = raw.get("features")
    weights = raw.get("weights")
    if not isinstance(features, list) or not features:
        raise GatesError(f"{where}.features: expected a non-empty list")
    if not isinstance(weights, list) or len(weights) != len(features):
        raise GatesError(f"{where}.weights: expected one number per feature")
    for name in features:
        if name not in allowed:
            raise GatesError(f"{where}.features: unknown feature {name!r}")
    if len(set(features)) != len(features):
        raise GatesError(f"{where}.features: a feature is listed twice")
    return Linear(
        features=tuple(str(name) for name in features),
        weights=tuple(_number(w, f"{where}.weights") for w in weights),
        bias=_number(raw.get("bias"), f"{where}.bias"),
    )


def parse_gates(document: Any, where: str = GATES_FILE) -> Gates:
    """Validate a gates document (as parsed JSON)."""
    if not isinstance(document, dict):
        raise GatesError(f"{where}: expected a JSON object at the top")
    version = document.get("pack_version")
    if not isinstance(version, str) or not version.strip():
        raise GatesError(f"{where}: pack_version: missing")
    raw_modes = document.get("modes")
    if not isinstance(raw_modes, dict) or set(raw_modes) != set(MODES):
        raise GatesError(f"{where}: modes: expected exactly {', '.join(MODES)}")
    modes: dict[str, ModeGates] = {}
    for name in MODES:
        raw = raw_modes[name]
        at = f"{where}: modes.{name}"
        if not isinstance(raw, dict):
            raise GatesError(f"{at}: expected a mapping")
        answer_at = _number(raw.get("answer_at"), f"{at}.answer_at", 0.0, 1.0)
        suggest_at = _number(raw.get("suggest_at"), f"{at}.suggest_at", 0.0, 1.0)
        if suggest_at > answer_at:
            raise GatesError(f"{at}: suggest_at must not be above answer_at")
        modes[name] = ModeGates(
            ranker=_linear(raw.get("ranker"), f"{at}.ranker", CANDIDATE_FEATURES),
            gate=_linear(raw.get("gate"), f"{at}.gate", QUESTION_FEATURES),
            answer_at=answer_at,
            suggest_at=suggest_at,
            related_at=_number(raw.get("related_at"), f"{at}.related_at", 0.0, 1.0),
        )
        if name == "lexical" and any(
            feature.startswith("sem")
            for feature in (*modes[name].ranker.features, *modes[name].gate.features)
        ):
            raise GatesError(f"{at}: the lexical mode cannot use semantic features")
    fitted_on = document.get("fitted_on", [])
    if not isinstance(fitted_on, list) or not all(isinstance(x, str) for x in fitted_on):
        raise GatesError(f"{where}: fitted_on: expected a list of names")
    return Gates(pack_version=version, modes=modes, fitted_on=tuple(fitted_on))


def load_gates(path: Path) -> Gates:
    """Read and validate gates.json; a GatesError names the file and the field."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise GatesError(f"{path}: larger than {MAX_BYTES // 1024} KiB")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GatesError(f"{path}: cannot read ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GatesError(f"{path}: not valid JSON ({error})") from None
    return parse_gates(document, str(path))


def gates_to_json(gates: Gates) -> dict[str, Any]:
    def linear(model: Linear) -> dict[str, Any]:
        return {
            "features": list(model.features),
            "weights": [round(w, 6) for w in model.weights],
            "bias": round(model.bias, 6),
        }

    return {
        "pack_version": gates.pack_version,
        "fitted_on": list(gates.fitted_on),
        "modes": {
            name: {
                "ranker": linear(mode.ranker),
                "gate": linear(mode.gate),
                "answer_at": round(mode.answer_at, 4),
                "suggest_at": round(mode.suggest_at, 4),
                "related_at": round(mode.related_at, 4),
            }
            for name, mode in gates.modes.items()
        },
    }
