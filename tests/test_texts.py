from __future__ import annotations

import string

from bot.i18n import LANGUAGES
from bot.texts import CATALOGUE, t


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_exists_in_every_language_with_the_same_placeholders() -> None:
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(LANGUAGES), key
        for lang in LANGUAGES:
            assert texts[lang].strip(), f"{key} is empty in {lang}"
        assert len({frozenset(_placeholders(texts[lang])) for lang in LANGUAGES}) == 1, key


def test_placeholders_are_filled() -> None:
    assert t("answer.theme", "sv", theme="Ledarskap") == "Tema: Ledarskap"
