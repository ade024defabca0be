"""Load and validate a content pack directory.

A broken pack stops start-up with a ContentError that names the file, the entry id
and the field, so whoever edits the YAML finds the mistake at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.models import ID_PATTERN, ContentPack, Entry, Nudge, Pointer, Theme

PACK_FILE = "pack.yaml"
NUDGES_FILE = "nudges.yaml"
POINTERS_FILE = "pointers.yaml"
MAX_REDIRECTS = 1000
ENTRIES_DIR = "entries"
MAX_FILE_BYTES = 2 * 1024 * 1024


class ContentError(ValueError):
    """The content pack cannot be used; the message says where and why."""


def read_yaml(path: Path) -> Any:
    """A content file's YAML; a ContentError names the file (and line) when it is broken."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ContentError(f"{path}: cannot read ({error.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise ContentError(f"{path}: file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(f"{path}: not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(f"{path}:{line}: invalid YAML: {problem}") from None


def _field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(item)"


def _parse(model: type[BaseModel], raw: Any, path: Path, kind: str, index: int) -> Any:
    item_id = raw.get("id") if isinstance(raw, dict) else None
    label = f"{kind} {item_id!r}" if isinstance(item_id, str) else f"{kind} #{index + 1}"
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"field {_field_path(problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise ContentError(f"{path}: {label}: {problems}") from None


def _list_under(document: Any, key: str, path: Path) -> list[Any]:
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise ContentError(f"{path}: expected a mapping with a list under '{key}'")
    items: list[Any] = document[key]
    return items


def load_pack(directory: Path) -> ContentPack:
    """Read `pack.yaml` and every `entries/*.yaml` below `directory`, and validate them."""
    pack_path = directory / PACK_FILE
    if not pack_path.is_file():
        raise ContentError(f"{pack_path}: missing (a content pack needs {PACK_FILE})")
    document = read_yaml(pack_path)
    if not isinstance(document, dict):
        raise ContentError(f"{pack_path}: expected a mapping at the top")
    version = document.get("version")
    if not isinstance(version, str | int | float) or not str(version).strip():
        raise ContentError(f"{pack_path}: field version: missing")
    themes: list[Theme] = [
        _parse(Theme, raw, pack_path, "theme", index)
        for index, raw in enumerate(_list_under(document, "themes", pack_path))
    ]
    theme_ids = [theme.id for theme in themes]
    for theme_id in theme_ids:
        if theme_ids.count(theme_id) > 1:
            raise ContentError(f"{pack_path}: theme {theme_id!r}: duplicate id")

    entry_files = sorted((directory / ENTRIES_DIR).glob("*.yaml"))
    if not entry_files:
        raise ContentError(f"{directory / ENTRIES_DIR}: no entry files (*.yaml)")
    entries: list[Entry] = []
    seen: dict[str, Path] = {}
    for path in entry_files:
        for index, raw in enumerate(_list_under(read_yaml(path), "entries", path)):
            entry: Entry = _parse(Entry, raw, path, "entry", index)
            if entry.id in seen:
                raise ContentError(
                    f"{path}: entry {entry.id!r}: duplicate id (also in {seen[entry.id]})"
                )
            if entry.theme not in theme_ids:
                raise ContentError(
                    f"{path}: entry {entry.id!r}: field theme: unknown theme {entry.theme!r}"
                )
            seen[entry.id] = path
            entries.append(entry)
    for theme in themes:
        if not any(entry.theme == theme.id for entry in entries):
            raise ContentError(f"{pack_path}: theme {theme.id!r}: has no entries")
    nudges = _load_nudges(directory / NUDGES_FILE, set(seen))
    redirects = _redirects(document.get("redirects"), pack_path, set(seen))
    return ContentPack(
        version=str(version),
        themes=tuple(themes),
        entries=tuple(entries),
        nudges=nudges,
        redirects=redirects,
        pointers=_load_pointers(directory / POINTERS_FILE),
    )


def _redirects(raw: Any, path: Path, entry_ids: set[str]) -> dict[str, str]:
    """`redirects: {old-id: new-id}` in pack.yaml: ids of merged-away entries.

    An old id must not be an entry any more (it would be ambiguous), and it must point
    straight at an entry (no chains, so a lookup is one step).
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: field redirects: expected a mapping of old id: new id")
    if len(raw) > MAX_REDIRECTS:
        raise ContentError(f"{path}: field redirects: more than {MAX_REDIRECTS} redirects")
    result: dict[str, str] = {}
    for old, new in raw.items():
        if not isinstance(old, str) or not ID_PATTERN.match(old):
            raise ContentError(f"{path}: redirect {old!r}: not an entry id")
        if old in entry_ids:
            raise ContentError(f"{path}: redirect {old!r}: is still an entry of the pack")
        if not isinstance(new, str) or new not in entry_ids:
            raise ContentError(f"{path}: redirect {old!r}: target {new!r} is not an entry")
        result[old] = new
    return result


def _load_pointers(path: Path) -> tuple[Pointer, ...]:
    """Out-of-scope pointers are optional: without pointers.yaml "not found" has none."""
    if not path.exists():
        return ()
    pointers: list[Pointer] = []
    for index, raw in enumerate(_list_under(read_yaml(path), "pointers", path)):
        pointer: Pointer = _parse(Pointer, raw, path, "pointer", index)
        if any(existing.id == pointer.id for existing in pointers):
            raise ContentError(f"{path}: pointer {pointer.id!r}: duplicate id")
        pointers.append(pointer)
    return tuple(pointers)


def _load_nudges(path: Path, entry_ids: set[str]) -> tuple[Nudge, ...]:
    """Weekly nudges are optional: a pack without nudges.yaml simply sends none."""
    if not path.exists():
        return ()
    nudges: list[Nudge] = []
    for index, raw in enumerate(_list_under(read_yaml(path), "nudges", path)):
        nudge: Nudge = _parse(Nudge, raw, path, "nudge", index)
        if any(existing.id == nudge.id for existing in nudges):
            raise ContentError(f"{path}: nudge {nudge.id!r}: duplicate id")
        if nudge.entry not in entry_ids:
            raise ContentError(
                f"{path}: nudge {nudge.id!r}: field entry: unknown entry {nudge.entry!r}"
            )
        nudges.append(nudge)
    return tuple(nudges)
