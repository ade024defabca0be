"""The public JSON shape of an answer (`python -m bot ask --json`). Other tools rely on it."""

from __future__ import annotations

from typing import Any

from bot.qa.engine import QaResult


def result_to_json(result: QaResult) -> dict[str, Any]:
    """{question, lang, answered, confidence, answer | null, suggestions[]} as documented."""
    lang = result.lang
    answer: dict[str, Any] | None = None
    if result.answered and result.answer is not None:
        entry = result.answer
        answer = {
            "id": entry.id,
            "theme": entry.theme,
            "title": entry.title.get(lang),
            "body": entry.body.get(lang),
            "links": [{"title": link.title, "url": link.url} for link in entry.links],
        }
    return {
        "question": result.question,
        "lang": lang,
        "answered": result.answered,
        "confidence": float(result.confidence),
        "answer": answer,
        "suggestions": [
            {"id": entry.id, "title": entry.title.get(lang)} for entry in result.suggestions
        ],
    }
