"""Onboarding cards: structure, inputs, verbs, texts, and escaping of what people type."""

from __future__ import annotations

import json
import shutil
import string
import subprocess
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from bot.content.models import ContentPack
from bot.i18n import LANGUAGES
from bot.onboarding.cards import (
    INTRO_LIMITS,
    PULSE_COMMENT_LIMIT,
    chat_link,
    clean_text,
    declined_card,
    escape_markdown,
    hr_confirm_card,
    intro_form_card,
    intro_post_card,
    intro_preview_card,
    onboarding_sample_cards,
    posted_card,
    pulse_thanks_card,
    step_card,
    teammate_prompt_card,
)
from bot.onboarding.model import Introduction, OnboardingRequest
from bot.onboarding.sequences import SEQUENCES_FILE, Sequence, StepKind, load_sequences
from bot.settings import BUNDLED_CONTENT_DIR
from bot.texts import CATALOGUE
from bot.texts.onboarding import ONBOARDING_TEXTS
from cards.base import (
    VERB_COFFEE_JOIN,
    VERB_HR_CANCEL,
    VERB_HR_CONFIRM,
    VERB_INTRO_BOOK,
    VERB_INTRO_DECLINE,
    VERB_INTRO_EDIT,
    VERB_INTRO_POST,
    VERB_INTRO_PREVIEW,
    VERB_ONBOARDING_ACK,
    VERB_ONBOARDING_PULSE,
    VERB_SHOW_ENTRY,
    VERBS,
)
from tools.cards_check import (
    MAX_CARD_BYTES,
    ToolsMissing,
    card_problems,
    card_size,
    validate_with_object_model,
)

Card = dict[str, Any]
HOSTILE = "**bold** [x](javascript:alert(1))"
ONBOARDING_ID = "6f1c2a9e-4b7d-4c1e-9a3f-0d2b8e5c7a10"


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def of_type(card: Card, kind: str) -> list[dict[str, Any]]:
    return [node for node in walk(card) if node.get("type") == kind]


def inputs(card: Card) -> dict[str, dict[str, Any]]:
    return {
        node["id"]: node for node in walk(card) if str(node.get("type", "")).startswith("Input.")
    }


def executes(card: Card) -> dict[str, dict[str, Any]]:
    """verb → the Action.Execute with that verb (the last one when a verb repeats)."""
    return {node["verb"]: node for node in of_type(card, "Action.Execute")}


def shown_text(card: Card) -> list[str]:
    """What TextBlocks and Facts show (their Markdown source)."""
    texts = [node["text"] for node in of_type(card, "TextBlock")]
    texts += [fact["value"] for fact_set in of_type(card, "FactSet") for fact in fact_set["facts"]]
    return texts


@pytest.fixture(scope="module")
def cards(pack: ContentPack) -> dict[str, Card]:
    return onboarding_sample_cards(pack)


@pytest.fixture(scope="module")
def default(pack: ContentPack) -> Sequence:
    sequences = load_sequences(
        BUNDLED_CONTENT_DIR / SEQUENCES_FILE, [entry.id for entry in pack.entries]
    )
    return sequences["default"]


def intro(**fields: str) -> Introduction:
    values = {
        "name": "Aino Virtanen",
        "role_text": "Erityisasiantuntija",
        "location_text": "Joensuu",
        "languages_text": "suomi, englanti",
        "about_text": "Leivon viikonloppuisin.",
        **fields,
    }
    return Introduction(
        person_id="person-1",
        team_id="team-1",
        name=values["name"],
        role_text=values["role_text"],
        location_text=values["location_text"],
        languages_text=values["languages_text"],
        about_text=values["about_text"],
    )


def values() -> dict[str, str | date | None]:
    return {
        "name": "Aino Virtanen",
        "buddy": "Mikko Korhonen",
        "manager": "Leena Heikkinen",
        "start_date": date(2026, 12, 1),
    }


# ------------------------------------------------------------------ every sample card


def test_every_kind_exists_in_three_languages(cards: dict[str, Card]) -> None:
    kinds = {name.rsplit("-", 1)[0] for name in cards}
    assert {f"{kind}-{lang}" for kind in kinds for lang in LANGUAGES} == set(cards)
    assert {f"onboarding-step-{kind.value}" for kind in StepKind} <= kinds
    assert {
        "intro-form",
        "intro-preview",
        "intro-post",
        "intro-teammate",
        "intro-declined",
        "intro-posted",
        "hr-confirm",
        "onboarding-pulse-thanks",
        "onboarding-step-done",
    } <= kinds


def test_cards_are_adaptive_cards_1_5_in_their_language(cards: dict[str, Card]) -> None:
    for name, card in cards.items():
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5", name
        assert card["lang"] == name.rsplit("-", 1)[1], name


def test_cards_follow_our_rules_and_stay_small(cards: dict[str, Card]) -> None:
    """Labels on inputs, unique input ids, wrap, headings, titles, known verbs, size."""
    for name, card in cards.items():
        assert card_problems(card, VERBS) == [], name
        assert card_size(card) < MAX_CARD_BYTES, name


def test_every_execute_verb_is_a_known_verb(cards: dict[str, Card]) -> None:
    for name, card in cards.items():
        for action in of_type(card, "Action.Execute"):
            assert action["verb"] in VERBS, (name, action["verb"])
            assert action["data"]["lang"] == card["lang"], name


def test_every_input_has_a_label_and_a_unique_id(cards: dict[str, Card]) -> None:
    for name, card in cards.items():
        ids = [node["id"] for node in walk(card) if str(node.get("type")).startswith("Input.")]
        assert len(ids) == len(set(ids)), name
        for node in inputs(card).values():
            assert node["label"].strip(), (name, node["id"])


def test_no_row_has_more_buttons_than_teams_shows(cards: dict[str, Card]) -> None:
    for name, card in cards.items():
        assert len(card.get("actions", [])) <= 6, name


def test_the_object_model_accepts_every_onboarding_card(cards: dict[str, Card]) -> None:
    try:
        report = validate_with_object_model(cards)
    except ToolsMissing as exc:
        pytest.skip(f"card validator not installed: {exc}")
    failures = {
        name: [str(p) for p in [*result.errors, *result.warnings]]
        for name, result in report.cards.items()
        if result.errors or result.warnings
    }
    assert failures == {}


# ------------------------------------------------------------------ texts


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_is_in_three_languages_with_the_same_placeholders() -> None:
    for key, texts in ONBOARDING_TEXTS.items():
        assert key.split(".", 1)[0] in {"onboarding", "intro", "hr"}, key
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key
        assert len({frozenset(_placeholders(texts[lang])) for lang in LANGUAGES}) == 1, key


def test_the_texts_merge_into_the_catalogue_without_conflicts() -> None:
    for key in set(ONBOARDING_TEXTS) & set(CATALOGUE):
        assert CATALOGUE[key] == ONBOARDING_TEXTS[key], key


def test_every_onboarding_text_is_used_by_some_card(cards: dict[str, Card]) -> None:
    everything = json.dumps(cards, ensure_ascii=False)
    unused = []
    for key, texts in ONBOARDING_TEXTS.items():
        probe = texts["en"].split("{", 1)[0].strip()
        if probe and probe not in everything:
            unused.append(key)
    # Shown only when a value is missing or the start date is special.
    assert sorted(unused) == [
        "hr.note.day_off",
        "hr.note.past_start",
        "hr.value.none",
        "onboarding.fallback.buddy",
    ]


# ------------------------------------------------------------------ sequence step cards


def test_an_ack_step_has_a_done_button_with_the_onboarding_and_step(default: Sequence) -> None:
    card = step_card(default.step("profile-photo"), "fi", values(), ONBOARDING_ID)

    done = executes(card)[VERB_ONBOARDING_ACK]
    assert done["title"] == "Tehty"
    assert done["data"] == {"onboarding": ONBOARDING_ID, "step": "profile-photo", "lang": "fi"}
    assert executes(card)[VERB_SHOW_ENTRY]["data"]["entry"] == "meetings-profile-photos"


def test_an_info_step_has_read_more_and_no_done_button(default: Sequence) -> None:
    card = step_card(default.step("meet-your-buddy"), "en", values(), ONBOARDING_ID)

    assert set(executes(card)) == {VERB_SHOW_ENTRY}
    assert any("Your orientation lead is Mikko Korhonen." in text for text in shown_text(card))


def test_an_info_step_without_a_buddy_reads_naturally(default: Sequence) -> None:
    card = step_card(default.step("meet-your-buddy"), "fi", {"name": "Aino"}, ONBOARDING_ID)

    assert any(
        "Päävastuullinen perehdyttäjäsi on tiimisi nimeämä kollega." in text
        for text in shown_text(card)
    )


def test_a_step_with_a_link_opens_it(default: Sequence) -> None:
    card = step_card(default.step("shared-workplaces-course"), "sv", values(), ONBOARDING_ID)

    urls = [action["url"] for action in of_type(card, "Action.OpenUrl")]
    assert urls == ["https://www.eoppiva.fi/koulutukset/johdatus-yhteisiin-tyoymparistoihin/"]


def test_a_coffee_step_offers_to_join(default: Sequence) -> None:
    card = step_card(default.step("virtual-coffee"), "fi", values(), ONBOARDING_ID)

    join = executes(card)[VERB_COFFEE_JOIN]
    assert join["data"]["onboarding"] == ONBOARDING_ID and join["data"]["step"] == "virtual-coffee"
    assert VERB_ONBOARDING_ACK not in executes(card)


def test_a_pulse_step_asks_1_to_5_and_a_comment_for_hr_only(default: Sequence) -> None:
    for lang in LANGUAGES:
        card = step_card(default.step("one-month-check-in"), lang, values(), ONBOARDING_ID)

        fields = inputs(card)
        assert set(fields) == {"score", "comment"}
        score, comment = fields["score"], fields["comment"]
        assert score["type"] == "Input.ChoiceSet" and score["isRequired"] is True
        assert [choice["value"] for choice in score["choices"]] == ["1", "2", "3", "4", "5"]
        assert all(choice["title"][0] in "12345" for choice in score["choices"])
        assert comment["type"] == "Input.Text" and comment["isMultiline"] is True
        assert comment["maxLength"] == PULSE_COMMENT_LIMIT == 1000
        assert "HR" in comment["label"]
        send = executes(card)[VERB_ONBOARDING_PULSE]
        assert send["data"] == {
            "onboarding": ONBOARDING_ID,
            "step": "one-month-check-in",
            "lang": lang,
        }


def test_an_intro_step_opens_the_form(default: Sequence) -> None:
    card = step_card(default.step("welcome"), "fi", values(), ONBOARDING_ID)

    assert executes(card)[VERB_INTRO_EDIT]["data"]["step"] == "welcome"
    assert card["body"][1]["text"] == "Tervetuloa tiimiin, Aino Virtanen!"
    assert any("Teams" in text and "📷" in text for text in shown_text(card))


def test_a_step_for_the_buddy_says_whose_onboarding_it_is(default: Sequence) -> None:
    card = step_card(default.step("buddy-book-meeting"), "sv", values(), ONBOARDING_ID)

    assert card["body"][0]["text"] == "Introduktion: Aino Virtanen"
    assert "1.12.2026" in card["body"][2]["text"]


def test_dates_are_written_for_the_reader(default: Sequence) -> None:
    card = step_card(default.step("manager-first-one-to-one"), "en", values(), ONBOARDING_ID)

    assert "on 1 December 2026" in card["body"][2]["text"]


def test_names_in_step_cards_are_escaped(default: Sequence) -> None:
    hostile = {**values(), "name": HOSTILE, "buddy": "_x_ <b>y</b>"}

    for step in default.steps:
        card = step_card(step, "en", hostile, ONBOARDING_ID)
        for text in shown_text(card):
            assert "**bold**" not in text and "](" not in text and "<b>" not in text, step.id


# ------------------------------------------------------------------ the introduction


def test_the_form_has_labelled_capped_inputs_with_the_name_prefilled() -> None:
    for lang in LANGUAGES:
        card = intro_form_card(intro(), lang)

        fields = inputs(card)
        assert list(fields) == ["name", "role", "location", "languages", "about"]
        for field_id, node in fields.items():
            assert node["type"] == "Input.Text"
            assert node["label"].strip()
            assert node["maxLength"] == INTRO_LIMITS[field_id]
        assert fields["name"]["value"] == "Aino Virtanen"
        assert fields["name"]["isRequired"] is True
        assert fields["about"]["isMultiline"] is True
        assert set(executes(card)) == {VERB_INTRO_PREVIEW, VERB_INTRO_DECLINE}
        assert executes(card)[VERB_INTRO_PREVIEW]["data"] == {"team": "team-1", "lang": lang}
        assert executes(card)[VERB_INTRO_DECLINE]["associatedInputs"] == "none"
        assert any("Teams" in text for text in shown_text(card))  # the photo reminder


def test_the_about_field_label_says_it_is_optional() -> None:
    labels = {lang: inputs(intro_form_card(intro(), lang))["about"]["label"] for lang in LANGUAGES}

    assert labels == {
        "fi": "Jotain minusta (vapaaehtoinen)",
        "sv": "Något om mig (frivilligt)",
        "en": "Something about me (optional)",
    }


def test_the_form_caps_and_cleans_prefilled_values() -> None:
    card = intro_form_card(
        intro(name="A\x00ino\u202e " + "x" * 500, about_text="a\r\n\r\n\r\n\r\nb"), "fi"
    )

    fields = inputs(card)
    assert len(fields["name"]["value"]) == INTRO_LIMITS["name"]
    assert fields["name"]["value"].startswith("Aino x")
    assert fields["about"]["value"] == "a\n\nb"


def test_the_preview_shows_the_post_with_post_edit_and_decline() -> None:
    card = intro_preview_card(intro(), "en")

    assert set(executes(card)) == {VERB_INTRO_POST, VERB_INTRO_EDIT, VERB_INTRO_DECLINE}
    assert executes(card)[VERB_INTRO_POST]["data"] == {"team": "team-1", "lang": "en"}
    texts = shown_text(card)
    assert "Welcome to the team, Aino Virtanen! 👋" in texts
    assert "Erityisasiantuntija" in texts and "Leivon viikonloppuisin." in texts


def test_the_post_has_say_hi_and_book() -> None:
    card = intro_post_card(intro(), "fi", "aino.virtanen@virasto.fi")

    assert [a["url"] for a in of_type(card, "Action.OpenUrl")] == [
        "https://teams.microsoft.com/l/chat/0/0?users=aino.virtanen@virasto.fi"
    ]
    book = executes(card)[VERB_INTRO_BOOK]
    assert book["data"] == {"person": "person-1", "team": "team-1", "lang": "fi"}


@pytest.mark.parametrize("upn", [None, "", "not a upn", "x@y", "a@b.fi&users=evil@c.fi"])
def test_the_post_has_no_say_hi_without_a_proper_upn(upn: str | None) -> None:
    card = intro_post_card(intro(), "fi", upn)

    assert of_type(card, "Action.OpenUrl") == []
    assert VERB_INTRO_BOOK in executes(card)


def test_the_post_leaves_out_empty_fields() -> None:
    card = intro_post_card(intro(about_text="", languages_text="  "), "en", None)

    texts = shown_text(card)
    assert "Also" not in texts and "Languages" not in texts
    assert "Role and work" in texts


def test_teammates_are_invited_to_book_a_chat() -> None:
    card = teammate_prompt_card(intro(), "sv")

    assert set(executes(card)) == {VERB_INTRO_BOOK}
    assert executes(card)[VERB_INTRO_BOOK]["data"]["person"] == "person-1"
    assert shown_text(card)[1].startswith("Aino Virtanen har börjat i ert team.")


def test_declined_and_posted_cards_confirm_without_posting() -> None:
    declined = declined_card("fi", "team-1")
    assert set(executes(declined)) == {VERB_INTRO_EDIT}
    assert executes(declined)[VERB_INTRO_EDIT]["data"] == {"team": "team-1", "lang": "fi"}
    assert "actions" not in declined_card("fi")
    posted = posted_card(intro(), "en")
    assert "actions" not in posted and inputs(posted) == {}
    thanks = pulse_thanks_card("sv")
    assert "actions" not in thanks and "HR" in thanks["body"][1]["text"]


# ------------------------------------------------------------------ escaping


HOSTILE_INTRO = {
    "name": HOSTILE,
    "role_text": "# Otsikko\n> lainaus",
    "location_text": "- lista\n1. numero",
    "languages_text": "<b>html</b> `code` ~~strike~~ | table |",
    "about_text": "Rivi 1\n- kohta\n2) toinen\n" + HOSTILE + "\x07\u202e",
}


def _intro_cards() -> dict[str, Card]:
    hostile = intro(**HOSTILE_INTRO)
    return {
        "preview": intro_preview_card(hostile, "fi"),
        "post": intro_post_card(hostile, "fi", "aino.virtanen@virasto.fi"),
        "teammate": teammate_prompt_card(hostile, "fi"),
        "posted": posted_card(hostile, "fi"),
    }


def test_hostile_intro_text_is_escaped_in_every_card() -> None:
    for name, card in _intro_cards().items():
        texts = shown_text(card)
        assert any(r"\*\*bold\*\* \[x\]\(javascript:alert\(1\)\)" in text for text in texts), name
        for text in texts:
            assert "**bold**" not in text and "[x](" not in text, name
            assert "<b>" not in text and "`code`" not in text, name
            for line in text.split("\n"):
                assert not line.startswith(("#", ">", "- ", "1. ", "2) ")), (name, line)
            assert "\x07" not in text and "\u202e" not in text, name
        assert "javascript:" not in json.dumps(of_type(card, "Action.OpenUrl")), name


def test_hostile_names_are_escaped_on_the_hr_card() -> None:
    request = OnboardingRequest(
        employee_id="id-1",
        employee_name=HOSTILE,
        start_date=date(2026, 12, 1),
        buddy_id="id-2",
    )

    card = hr_confirm_card(request, "fi", buddy_name="_Mikko_", manager_name=None)

    values = [fact["value"] for fact in of_type(card, "FactSet")[0]["facts"]]
    assert values[0] == r"\*\*bold\*\* \[x\]\(javascript:alert\(1\)\)"
    assert values[3] == r"\_Mikko\_"
    assert values[4] == "ei nimetty"
    # The raw value travels in the button data (not rendered), for the handler to store.
    assert executes(card)[VERB_HR_CONFIRM]["data"]["employee_name"] == HOSTILE


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("Aino Virtanen", "Aino Virtanen"),
        ("**bold**", r"\*\*bold\*\*"),
        ("_it_", r"\_it\_"),
        ("[x](javascript:alert(1))", r"\[x\]\(javascript:alert\(1\)\)"),
        ("# heading", r"\# heading"),
        ("> quote", r"\> quote"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("1. item", r"1\. item"),
        ("12) item", r"12\) item"),
        ("2026 oli hyvä", "2026 oli hyvä"),
        ("a\\b", r"a\\b"),
        ("<b>x</b>", r"\<b\>x\<\/b\>".replace(r"\/", "/")),
        ("line\nbreak\r\nand\ttab", "line break and tab"),
        ("bell\x07 null\x00 rtl\u202e", "bell null rtl"),
        ("   spaced    out   ", "spaced out"),
        ("", ""),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_escape_markdown_caps_before_escaping_and_refuses_non_text() -> None:
    assert escape_markdown("x" * 300, 10) == "x" * 9 + "…"
    assert escape_markdown(None) == "" and escape_markdown(42) == ""
    assert escape_markdown("a\n- b", multiline=True) == "a\n\\- b"
    assert clean_text("a\r\nb\r\n\r\nc", 100, multiline=True) == "a\nb\n\nc"


def test_clean_text_keeps_emoji_and_finnish_letters() -> None:
    assert clean_text("Hyvää päivää 👋🏽 Åsa ÄÖ", 100) == "Hyvää päivää 👋🏽 Åsa ÄÖ"
    assert clean_text("x" * 20, 5) == "xxxx…"


def test_chat_link_accepts_only_a_plain_upn() -> None:
    assert chat_link("aino.virtanen@virasto.fi") == (
        "https://teams.microsoft.com/l/chat/0/0?users=aino.virtanen@virasto.fi"
    )
    assert chat_link("o'brien+hr@virasto.fi") == (
        "https://teams.microsoft.com/l/chat/0/0?users=o%27brien%2Bhr@virasto.fi"
    )
    assert chat_link("a@b.fi&users=evil@c.fi") is None
    assert chat_link("javascript:alert(1)") is None


def _markdown_render(texts: list[str]) -> list[str]:
    """TextBlock Markdown rendered as CommonMark does (markdown-it with the subset Teams
    renders: emphasis, lists, links, line breaks, and backslash escapes)."""
    node = shutil.which("node")
    root = BUNDLED_CONTENT_DIR.parent.parent / "tools"
    if node is None or not (root / "node_modules" / "markdown-it").is_dir():
        pytest.skip("Node.js or tools/node_modules/markdown-it missing (make tools)")
    script = (
        "const md=require('markdown-it')('zero',{html:false,linkify:false})"
        ".enable(['emphasis','list','link','newline','escape']);"
        "const texts=JSON.parse(require('fs').readFileSync(0,'utf8'));"
        "process.stdout.write(JSON.stringify(texts.map((t)=>md.render(t))));"
    )
    completed = subprocess.run(  # noqa: S603 - our script, our data
        [node, "-e", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
        check=True,
    )
    rendered: list[str] = json.loads(completed.stdout)
    return rendered


def test_escaped_text_renders_as_plain_text_in_commonmark() -> None:
    texts = [text for card in _intro_cards().values() for text in shown_text(card)]

    for html in _markdown_render(texts):
        for tag in ("<strong>", "<em>", "<a ", "<ul>", "<ol>", "<li>", "<h1>", "<blockquote>"):
            assert tag not in html, html
    assert any("**bold** [x](javascript:alert(1))" in html for html in _markdown_render(texts))


# ------------------------------------------------------------------ HR


def _request(**changes: Any) -> OnboardingRequest:
    fields: dict[str, Any] = {
        "employee_id": "00000000-0000-4000-8000-0000000000a1",
        "employee_name": "Aino Virtanen",
        "start_date": date(2026, 12, 1),
        "sequence": "default",
        "language": "sv",
        "team_id": "team-1",
        "buddy_id": "buddy-1",
        "manager_id": None,
        **changes,
    }
    return OnboardingRequest(**fields)


def test_hr_confirm_carries_the_parsed_request() -> None:
    card = hr_confirm_card(
        _request(), "fi", sequence_title="Perehdytys uuteen tiimiin", buddy_name="Mikko Korhonen"
    )

    confirm = executes(card)[VERB_HR_CONFIRM]
    assert confirm["data"] == {
        "employee": "00000000-0000-4000-8000-0000000000a1",
        "employee_name": "Aino Virtanen",
        "start_date": "2026-12-01",
        "sequence": "default",
        "language": "sv",
        "team": "team-1",
        "buddy": "buddy-1",
        "lang": "fi",
    }
    assert executes(card)[VERB_HR_CANCEL]["data"] == {"lang": "fi"}
    facts = {fact["title"]: fact["value"] for fact in of_type(card, "FactSet")[0]["facts"]}
    assert facts == {
        "Työntekijä": "Aino Virtanen",
        "Aloituspäivä": "1.12.2026",
        "Ohjelma": "Perehdytys uuteen tiimiin",
        "Perehdyttäjä": "Mikko Korhonen",
        "Esihenkilö": "ei nimetty",
        "Kieli": "ruotsi",
    }


def test_hr_confirm_explains_a_past_start_and_a_start_on_a_day_off() -> None:
    past = hr_confirm_card(_request(start_date=date(2026, 11, 2)), "en", today=date(2026, 11, 30))
    assert any("has passed" in text for text in shown_text(past))

    holiday = hr_confirm_card(
        _request(start_date=date(2026, 12, 24)), "en", today=date(2026, 12, 1)
    )
    assert any("28 December 2026" in text for text in shown_text(holiday))

    plain = hr_confirm_card(_request(), "en", today=date(2026, 11, 30))
    assert not any("has passed" in t or "isn't a working day" in t for t in shown_text(plain))
