"""The bundled content pack is complete, and a broken pack is refused with a precise message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.content.loader import ContentError, load_pack
from bot.content.models import ContentPack, Nudge, Theme
from bot.i18n import LANGUAGES
from bot.settings import BUNDLED_CONTENT_DIR

EXPECTED_IDS = """
    leadership-hybrid-ground-rules leadership-community-principles leadership-newcomer-integration
    leadership-team-feedback-culture leadership-supervisor-peer-support
    tools-async-work tools-valoa tools-maturity-model
    calendar-open-calendars calendar-50-minute-meetings calendar-meeting-mode calendar-work-location
    meetings-clear-agenda meetings-working-tech meetings-profile-photos meetings-informal-start
    meetings-cameras meetings-engage-participants meetings-breakout-rooms meetings-clear-ending
    meetings-recovery-breaks
    work-meetings-regular work-meetings-audiences work-meetings-one-to-one
    modes-in-person-regularity modes-team-meetings modes-team-days modes-hybrid-participation
    modes-virtual-community modes-newcomer-introductions modes-scrum
    informal-fun-committee informal-chat-groups
    informal-cross-organisation-teams
    competence-tool-skills competence-orientation competence-shared-workplaces-course
    competence-peer-learning
    reading-resilience
    reading-mental-health-toolkit reading-hymy-project reading-leader-community-builder
    reading-ttk-remote-leadership reading-ttl-remote-hybrid-work reading-hybrid-work-model-guide
    reading-aalto-five-things reading-everyone-included reading-community-remotely
    reading-blog-trust reading-blog-supervisor-hybrid reading-blog-hybrid-not-renewed
    reading-blog-office-focus reading-podcast-avi reading-podcast-psykopodiaa
    about-work-group
    """.split()

EXPECTED_THEMES = [
    "leadership",
    "tools",
    "calendar",
    "meetings",
    "work-meetings",
    "meeting-modes",
    "informal",
    "competence",
    "reading",
    "about",
]


def test_every_practice_and_resource_of_the_source_is_an_entry(pack: ContentPack) -> None:
    assert sorted(entry.id for entry in pack.entries) == sorted(EXPECTED_IDS)
    assert 45 <= len(pack.entries) <= 60
    assert [theme.id for theme in pack.themes] == EXPECTED_THEMES


def test_every_entry_is_complete_in_three_languages(pack: ContentPack) -> None:
    for entry in pack.entries:
        for lang in LANGUAGES:
            assert entry.title.get(lang) and entry.body.get(lang) and entry.tip.get(lang)
            assert len(entry.questions.get(lang)) >= 3, (entry.id, lang)
            assert entry.keywords.get(lang), (entry.id, lang)
        assert entry.title.fi != entry.title.en, entry.id  # translated, not copied


def test_key_facts_of_the_source_are_kept(pack: ContentPack) -> None:
    def body(entry_id: str) -> str:
        entry = pack.entry(entry_id)
        return " ".join(entry.body.get(lang) for lang in LANGUAGES)

    fifty = pack.entry("calendar-50-minute-meetings").body
    assert "50" in fifty.fi and "tunnin" in fifty.fi and "hour" in fifty.en
    assert "10" in body("meetings-informal-start")
    assert "eOppiva" in body("competence-shared-workplaces-course")
    assert "Johdatus yhteisiin työympäristöihin" in body("competence-shared-workplaces-course")
    assert "VALOA" in body("tools-valoa")
    assert "Nina Lyytinen" in body("reading-podcast-psykopodiaa")
    urls = {link.url for entry in pack.entries for link in entry.links}
    assert "https://www.valtiolla.fi/tyokalut/valoa/" in urls
    assert "https://www.valtiolla.fi/tyokalut/resilienssi/" in urls
    assert "https://www.eoppiva.fi/koulutukset/johdatus-yhteisiin-tyoymparistoihin/" in urls


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(BUNDLED_CONTENT_DIR, target)
    return target


def _edit_first_entry(
    pack_dir: Path, edit: dict[str, object] | None = None, drop: str | None = None
) -> Path:
    path = pack_dir / "entries" / "calendar.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = document["entries"][0]
    if edit:
        entry.update(edit)
    if drop:
        node = entry
        *parents, last = drop.split(".")
        for part in parents:
            node = node[part]
        del node[last]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_bad_yaml_names_the_file_and_line(pack_copy: Path) -> None:
    path = pack_copy / "entries" / "tools.yaml"
    path.write_text("entries:\n  - id: x\n    title: {fi: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"tools\.yaml.*line \d+.*invalid YAML"):
        load_pack(pack_copy)


def test_missing_language_names_entry_and_field(pack_copy: Path) -> None:
    _edit_first_entry(pack_copy, drop="body.sv")
    with pytest.raises(
        ContentError, match=r"calendar\.yaml: entry 'calendar-open-calendars'.*body\.sv"
    ):
        load_pack(pack_copy)


def test_duplicate_id_is_refused(pack_copy: Path) -> None:
    _edit_first_entry(pack_copy, edit={"id": "tools-valoa"})
    with pytest.raises(ContentError, match="'tools-valoa': duplicate id"):
        load_pack(pack_copy)


def test_unknown_theme_is_refused(pack_copy: Path) -> None:
    _edit_first_entry(pack_copy, edit={"theme": "astrology"})
    with pytest.raises(ContentError, match="field theme: unknown theme 'astrology'"):
        load_pack(pack_copy)


@pytest.mark.parametrize("url", ["http://example.org/", "javascript:alert(1)", "not a url", ""])
def test_bad_url_is_refused(pack_copy: Path, url: str) -> None:
    _edit_first_entry(pack_copy, edit={"links": [{"title": "x", "url": url}]})
    with pytest.raises(ContentError, match=r"links\.0\.url"):
        load_pack(pack_copy)


def test_unknown_field_and_bad_id_are_refused(pack_copy: Path) -> None:
    _edit_first_entry(pack_copy, edit={"colour": "red"})
    with pytest.raises(ContentError, match="colour"):
        load_pack(pack_copy)


def test_id_with_spaces_is_refused(pack_copy: Path) -> None:
    _edit_first_entry(pack_copy, edit={"id": "Bad Id!"})
    with pytest.raises(ContentError, match=r"entry 'Bad Id!': field id"):
        load_pack(pack_copy)


def test_too_few_example_questions_are_refused(pack_copy: Path) -> None:
    _edit_first_entry(pack_copy, edit={"questions": {"fi": ["a?"], "sv": ["b?"], "en": ["c?"]}})
    with pytest.raises(ContentError, match="3 fi example questions"):
        load_pack(pack_copy)


def test_missing_pack_file_and_empty_entries(tmp_path: Path, pack_copy: Path) -> None:
    with pytest.raises(ContentError, match=r"pack\.yaml: missing"):
        load_pack(tmp_path)
    for path in (pack_copy / "entries").glob("*.yaml"):
        path.unlink()
    with pytest.raises(ContentError, match="no entry files"):
        load_pack(pack_copy)


def test_binary_and_non_mapping_files_are_refused(pack_copy: Path) -> None:
    (pack_copy / "entries" / "tools.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ContentError, match="not UTF-8"):
        load_pack(pack_copy)
    (pack_copy / "entries" / "tools.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ContentError, match="expected a mapping with a list under 'entries'"):
        load_pack(pack_copy)


def test_pack_version_is_required(pack_copy: Path) -> None:
    path = pack_copy / "pack.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    del document["version"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="field version: missing"):
        load_pack(pack_copy)


# ---------- merged entries: redirects ----------

MERGED = {
    "work-meetings-mode-in-invitation": "calendar-meeting-mode",
    "reading-valoa-site": "tools-valoa",
    "leadership-work-culture-review": "tools-valoa",
    "reading-remote-work-forward-guide": "tools-maturity-model",
    "informal-hobby-groups": "modes-virtual-community",
}


def test_merged_entries_redirect_to_the_entry_that_replaced_them(pack: ContentPack) -> None:
    assert dict(pack.redirects) == MERGED
    for old, new in MERGED.items():
        assert pack.resolve(old) == new
        assert pack.has_entry(old)
        assert pack.entry(old).id == new
    assert pack.resolve("meetings-cameras") == "meetings-cameras"
    assert not pack.has_entry("no-such-entry")


def test_merged_entries_keep_the_facts_of_both(pack: ContentPack) -> None:
    valoa = " ".join(pack.entry("tools-valoa").body.get(lang) for lang in LANGUAGES)
    assert "kahdeksan lyhyttä videota" in valoa and "säännöllisesti" in valoa
    guide = pack.entry("tools-maturity-model")
    assert "MOPA" in guide.body.fi and len(guide.links) == 2
    coffee = pack.entry("modes-virtual-community").body.fi
    assert "virtuaalikahvit" in coffee and "liikuntakerhot" in coffee


def _write_pack_yaml(pack_dir: Path, change: dict[str, object]) -> None:
    path = pack_dir / "pack.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document.update(change)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("redirects", "message"),
    [
        (["a", "b"], "expected a mapping"),
        ({"meetings-cameras": "tools-valoa"}, "still an entry"),
        ({"old-entry": "no-such-entry"}, "is not an entry"),
        ({"Old Entry": "tools-valoa"}, "not an entry id"),
        ({"old-entry": 5}, "is not an entry"),
        ({"a-old": "b-old", "b-old": "tools-valoa"}, "is not an entry"),  # no chains
        ({f"old-{i}": "tools-valoa" for i in range(1001)}, "more than 1000"),
    ],
)
def test_bad_redirects_are_refused(pack_copy: Path, redirects: object, message: str) -> None:
    _write_pack_yaml(pack_copy, {"redirects": redirects})
    with pytest.raises(ContentError, match=rf"pack\.yaml.*{message}"):
        load_pack(pack_copy)


# ---------- out-of-scope pointers ----------


def test_pointers_cover_the_near_misses_in_three_languages(pack: ContentPack) -> None:
    ids = {pointer.id for pointer in pack.pointers}
    assert {"it-support", "hr-pay-leave", "office-software-howto", "facilities-booking"} <= ids
    for pointer in pack.pointers:
        for lang in LANGUAGES:
            assert pointer.keywords.get(lang) and pointer.text.get(lang)
        assert pointer.text.fi.startswith("Tähän en osaa vastata")


def _write_pointers(pack_dir: Path, text: str) -> None:
    (pack_dir / "pointers.yaml").write_text(text, encoding="utf-8")


GOOD_POINTER = (
    "  - id: it\n    keywords: {fi: [vpn], sv: [vpn], en: [vpn]}\n"
    "    text: {fi: Kysy IT-tuesta., sv: Fråga it-stödet., en: Ask IT support.}\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pointers: {}\n", "list under 'pointers'"),
        ("- just a list\n", "list under 'pointers'"),
        ("pointers:\n" + GOOD_POINTER + GOOD_POINTER, "pointer 'it': duplicate id"),
        ("pointers:\n" + GOOD_POINTER.replace("sv: [vpn], ", ""), "keywords.sv"),
        ("pointers:\n" + GOOD_POINTER.replace("sv: [vpn]", "sv: []"), "sv keyword"),
        ("pointers:\n" + GOOD_POINTER.replace("id: it", "id: IT desk"), "field id"),
        ("pointers:\n" + GOOD_POINTER.replace("Ask IT support.", "x" * 301), "longer than 300"),
        ("pointers:\n" + GOOD_POINTER.replace("[vpn], en", "[" + "a, " * 201 + "b], en"), "200"),
        ("pointers:\n" + GOOD_POINTER + "    script: '<b>'\n", "script"),
        ("pointers: [\n", "invalid YAML"),
    ],
)
def test_broken_pointers_are_refused(pack_copy: Path, text: str, message: str) -> None:
    _write_pointers(pack_copy, text)
    with pytest.raises(ContentError, match=rf"pointers\.yaml.*{message}"):
        load_pack(pack_copy)


def test_pointers_are_optional(pack_copy: Path) -> None:
    (pack_copy / "pointers.yaml").unlink()
    assert load_pack(pack_copy).pointers == ()
    _write_pointers(pack_copy, "pointers:\n" + GOOD_POINTER)
    assert [p.id for p in load_pack(pack_copy).pointers] == ["it"]


def test_chat_phrasings_are_optional_and_left_out_on_request(pack: ContentPack) -> None:
    with_chat = [entry for entry in pack.entries if entry.chat.fi]
    assert with_chat, "the bundled pack has chat phrasings"
    stripped = pack.without_chat()
    assert all(not entry.chat.get(lang) for entry in stripped.entries for lang in LANGUAGES)
    assert [e.questions for e in stripped.entries] == [e.questions for e in pack.entries]


@pytest.mark.parametrize(
    "bad_id", ["Bad Id", "meetings_cameras", "-lead", "trail-", "a--b", "ä", ""]
)
def test_ids_that_are_not_lowercase_words_joined_by_dashes_are_refused(bad_id: str) -> None:
    text = {"fi": "a", "sv": "a", "en": "a"}
    nudge = {"id": bad_id, "entry": "x", "title": text, "body": text, "action": text}
    with pytest.raises(ValidationError, match="lowercase words joined by '-'"):
        Nudge.model_validate(nudge)
    with pytest.raises(ValidationError, match="lowercase words joined by '-'"):
        Theme.model_validate({"id": bad_id, "title": text, "description": text})
