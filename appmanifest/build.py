"""Build the Teams app package of Yhteisöbotti: manifest, localization files and icons.

Usage (from the repository root)::

    python appmanifest/build.py --out build/appmanifest.zip \
        [--app-id GUID] [--domain HOST] [--version X.Y.Z] [--public-url URL]

Values not given as options come from the environment (``APP_ID``, ``BOT_DOMAIN``,
``BOT_PUBLIC_URL``). Without an app id or a domain the package gets placeholders (the zero
GUID, ``localhost``) and a warning: such a zip is only for local testing.

Sources, all in this folder:

* ``manifest.template.json``: the manifest with the Finnish (default-language) strings and
  ``{{PLACEHOLDERS}}`` filled at build time;
* ``commands.json``: the ONE list of bot commands with their titles and descriptions in
  every language; the manifest's command lists and the command keys of the localization
  files are generated from it;
* ``locales/<file>``: the app name and descriptions in each additional language;
* ``color.png`` (192×192) and ``outline.png`` (32×32, white on transparent): the icons,
  committed files drawn by ``tools/draw_icons.py``; the build only checks them.

The build checks the package offline before writing it (:func:`check_package`) and exits
non-zero with a message that names every problem it found. Full JSON-schema validation is
plugged in through the ``schema_validator`` parameter of :func:`build_package`; the command
line uses :func:`node_schema_validator` (Node.js and the npm packages of ``make tools``).

This script is a build tool, not part of the running bot: it reads its own few environment
variables in :func:`main` and needs nothing beyond the standard library (and Node.js for
the schema validation of the command line).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LOG = logging.getLogger("appmanifest")

HERE = Path(__file__).resolve().parent
TEMPLATE_PATH = HERE / "manifest.template.json"
COMMANDS_PATH = HERE / "commands.json"
LOCALES_DIR = HERE / "locales"
PYPROJECT_PATH = HERE.parent / "pyproject.toml"
TOOLS_DIR = HERE.parent / "tools"
VALIDATE_MANIFEST_SCRIPT = TOOLS_DIR / "validate-manifest.mjs"

MANIFEST_NAME = "manifest.json"
COLOR_ICON_NAME = "color.png"
OUTLINE_ICON_NAME = "outline.png"
COLOR_ICON_SIZE = 192
OUTLINE_ICON_SIZE = 32

PLACEHOLDER_APP_ID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_DOMAIN = "localhost"
FALLBACK_VERSION = "1.0.0"
SCOPES = ("personal", "team", "groupChat")

# Patterns as in the manifest JSON schema (definitions guid, semver, hexColor).
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER_RE = re.compile(r"^(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)$")
HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# A host name only: no scheme, port, path or wildcard (it also goes into an api:// URI).
HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN_RE = re.compile(rf"^{HOST_LABEL}(?:\.{HOST_LABEL})*$")
PLACEHOLDER_RE = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")
COMMANDS_PLACEHOLDER = "{{COMMANDS}}"
SCHEMA_VERSION_RE = re.compile(r"/teams/v([0-9]+\.[0-9]+)/")
KEY_SEGMENT_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[[0-9]+\])*)$")
INDEX_RE = re.compile(r"\[([0-9]+)\]")

# Length limits of the localizable strings. Names and descriptions are the schema's. For
# commands, the schema (v1.30) allows 128/4000, but earlier versions allowed 32/128 and the
# command menu shows little more, so the tighter limits keep the menu readable.
TEXT_LIMITS: Mapping[str, int] = {
    "name.short": 30,
    "name.full": 100,
    "description.short": 80,
    "description.full": 4000,
}
COMMAND_TITLE_LIMIT = 32
COMMAND_DESCRIPTION_LIMIT = 128
MAX_COMMANDS_PER_LIST = 12  # schema v1.24+
MAX_COMMAND_LISTS = 3
DEVELOPER_NAME_LIMIT = 32

JsonObject = dict[str, object]


class PackageError(Exception):
    """The package cannot be built; ``problems`` names each reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class BuildSettings:
    """What a build fills into the template."""

    app_id: str
    domain: str
    version: str
    public_url: str
    # False when the domain is the local-testing placeholder: webApplicationInfo is then
    # left out, because an api:// URI on localhost can never be a real SSO resource.
    domain_given: bool


def resolve_settings(
    *,
    app_id: str | None,
    domain: str | None,
    version: str | None,
    public_url: str | None,
    default_version: str = FALLBACK_VERSION,
) -> BuildSettings:
    """Validate the build values, fill defaults, and warn when placeholders are used.

    Raises :class:`PackageError` naming every bad value.
    """
    problems: list[str] = []
    warnings: list[str] = []

    if public_url:
        public_url = public_url.rstrip("/")
        match = re.match(r"^https?://([^/:?#]+)(?::[0-9]+)?(?:/[^?#]*)?$", public_url)
        if match is None:
            problems.append(
                f"public URL {public_url!r} is not an http(s) URL "
                "(set --public-url or BOT_PUBLIC_URL like https://bot.example.fi)"
            )
        elif not domain:
            domain = match.group(1)

    if not app_id:
        warnings.append(
            f"no app id given (--app-id or APP_ID): using {PLACEHOLDER_APP_ID}; "
            "this package is only for local testing"
        )
        app_id = PLACEHOLDER_APP_ID
    elif not GUID_RE.match(app_id):
        problems.append(
            f"app id {app_id!r} is not a GUID (expected 8-4-4-4-12 hexadecimal digits, "
            "e.g. 12345678-abcd-4ef0-9876-0123456789ab): give the bot's Microsoft App ID "
            "with --app-id or APP_ID"
        )

    domain_given = bool(domain)
    if not domain:
        warnings.append(
            f"no domain given (--domain, BOT_DOMAIN or BOT_PUBLIC_URL): using "
            f"{PLACEHOLDER_DOMAIN!r}; this package is only for local testing"
        )
        domain = PLACEHOLDER_DOMAIN
    elif len(domain) > 253 or not DOMAIN_RE.match(domain):
        problems.append(
            f"domain {domain!r} is not a host name: give the host only, without scheme, "
            "port or path, e.g. bot.example.fi (--domain or BOT_DOMAIN)"
        )

    version = version or default_version
    if not SEMVER_RE.match(version):
        problems.append(
            f"version {version!r} is not a semantic version X.Y.Z "
            "(three numbers without leading zeros, e.g. 1.4.0; --version)"
        )

    if problems:
        raise PackageError(problems)
    for warning in warnings:
        LOG.warning("%s", warning)
    return BuildSettings(
        app_id=app_id,
        domain=domain,
        version=version,
        public_url=public_url or f"https://{domain}",
        domain_given=domain_given,
    )


def project_version(pyproject: Path = PYPROJECT_PATH) -> str:
    """The project's version from pyproject.toml if it is plain X.Y.Z, else 1.0.0.

    Teams wants a higher version on every update of a published app; following the
    project's version does that without a second number to remember.
    """
    try:
        with pyproject.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return FALLBACK_VERSION
    project = data.get("project")
    version = project.get("version") if isinstance(project, dict) else None
    if isinstance(version, str) and SEMVER_RE.match(version):
        return version
    return FALLBACK_VERSION


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Command:
    """One bot command as listed in the Teams command menu, in every language."""

    id: str
    scopes: tuple[str, ...]
    title: Mapping[str, str]
    description: Mapping[str, str]


def read_source(path: Path) -> bytes:
    """The bytes of a source file; one that cannot be read is a problem naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PackageError([f"{path}: cannot read: {exc.strerror}"]) from exc


def load_json(path: Path) -> object:
    """Parse a JSON source file; a syntax error names the file, line and column."""
    text = read_source(path).decode("utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(
            [f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"]
        ) from exc


def load_commands(path: Path = COMMANDS_PATH, languages: Sequence[str] = ()) -> list[Command]:
    """Read the command list; every command needs a title and description per language."""
    data = load_json(path)
    raw = data.get("commands") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise PackageError([f"{path}: expected an object with a non-empty list 'commands'"])
    problems: list[str] = []
    commands: list[Command] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{path}: commands[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected an object")
            continue
        command_id = item.get("id")
        if not isinstance(command_id, str) or not command_id:
            problems.append(f"{where}: 'id' must be a non-empty string")
            continue
        where = f"{path}: command {command_id!r}"
        if command_id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(command_id)
        scopes = item.get("scopes")
        if (
            not isinstance(scopes, list)
            or not scopes
            or not all(isinstance(scope, str) and scope in SCOPES for scope in scopes)
        ):
            problems.append(f"{where}: 'scopes' must be a non-empty list of {', '.join(SCOPES)}")
            continue
        texts: dict[str, dict[str, str]] = {}
        for field in ("title", "description"):
            value = item.get(field)
            if not isinstance(value, dict):
                problems.append(f"{where}: {field!r} must map language tags to text")
                continue
            texts[field] = {}
            for lang, text in value.items():
                if not isinstance(text, str) or not text.strip():
                    problems.append(f"{where}: {field} in {lang!r} must be non-empty text")
                else:
                    texts[field][lang] = text
            for lang in languages:
                if lang not in value:
                    problems.append(f"{where}: no {field} in language {lang!r}")
        if len(texts) == 2:
            commands.append(
                Command(command_id, tuple(scopes), texts["title"], texts["description"])
            )
    if problems:
        raise PackageError(problems)
    return commands


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class CommandSlot:
    """Where a command landed in the manifest: bots[0].commandLists[list].commands[index]."""

    list_index: int
    index: int
    command: Command


def _substitute(value: object, values: Mapping[str, str], unknown: set[str]) -> object:
    """Replace {{NAME}} in every string of a JSON value (the command lists excepted)."""
    if isinstance(value, str):
        if value == COMMANDS_PLACEHOLDER:
            return value

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                unknown.add(name)
                return match.group(0)
            return values[name]

        return PLACEHOLDER_RE.sub(replace, value)
    if isinstance(value, list):
        return [_substitute(item, values, unknown) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, values, unknown) for key, item in value.items()}
    return value


def render_manifest(
    template: object,
    settings: BuildSettings,
    commands: Sequence[Command],
    default_language: str,
) -> tuple[JsonObject, list[CommandSlot]]:
    """Fill the template: placeholders from settings, command lists from the command data."""
    values = {
        "APP_ID": settings.app_id,
        "DOMAIN": settings.domain,
        "VERSION": settings.version,
        "WEBSITE_URL": f"{settings.public_url}/",
        "PRIVACY_URL": f"{settings.public_url}/privacy",
        "TERMS_OF_USE_URL": f"{settings.public_url}/terms",
    }
    unknown: set[str] = set()
    manifest = _substitute(copy.deepcopy(template), values, unknown)
    if unknown:
        names = ", ".join("{{" + name + "}}" for name in sorted(unknown))
        raise PackageError([f"{TEMPLATE_PATH.name}: unknown placeholder(s) {names}"])
    if not isinstance(manifest, dict):
        raise PackageError([f"{TEMPLATE_PATH.name}: expected a JSON object"])
    if not settings.domain_given:
        manifest.pop("webApplicationInfo", None)

    slots: list[CommandSlot] = []
    bots = manifest.get("bots")
    bot = bots[0] if isinstance(bots, list) and bots else None
    lists = bot.get("commandLists") if isinstance(bot, dict) else None
    for list_index, command_list in enumerate(lists if isinstance(lists, list) else []):
        if not isinstance(command_list, dict):
            continue
        if command_list.get("commands") != COMMANDS_PLACEHOLDER:
            continue
        list_scopes = command_list.get("scopes")
        scopes = set(list_scopes) if isinstance(list_scopes, list) else set()
        rendered: list[object] = []
        for command in commands:
            # A command belongs to a list when it is valid in every scope of that list.
            if scopes <= set(command.scopes):
                slots.append(CommandSlot(list_index, len(rendered), command))
                rendered.append(
                    {
                        "title": command.title[default_language],
                        "description": command.description[default_language],
                    }
                )
        command_list["commands"] = rendered
    return manifest, slots


def render_localization(
    source: object, source_name: str, language: str, slots: Sequence[CommandSlot]
) -> JsonObject:
    """One localization file: its name/description strings plus generated command keys."""
    if not isinstance(source, dict):
        raise PackageError([f"{source_name}: expected a JSON object"])
    generated = [key for key in source if key.startswith("bots[")]
    if generated:
        raise PackageError(
            [
                f"{source_name}: command strings belong in {COMMANDS_PATH.name}, not here: "
                + ", ".join(generated)
            ]
        )
    result: JsonObject = dict(source)
    for slot in slots:
        prefix = f"bots[0].commandLists[{slot.list_index}].commands[{slot.index}]"
        result[f"{prefix}.title"] = slot.command.title[language]
        result[f"{prefix}.description"] = slot.command.description[language]
    return result


def languages_of(template: object) -> tuple[str, list[tuple[str, str]]]:
    """The default language tag and the (tag, file) pairs of the additional languages."""
    info = template.get("localizationInfo") if isinstance(template, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("defaultLanguageTag"), str):
        raise PackageError([f"{TEMPLATE_PATH.name}: localizationInfo.defaultLanguageTag missing"])
    default = str(info["defaultLanguageTag"])
    additional: list[tuple[str, str]] = []
    raw = info.get("additionalLanguages", [])
    for entry in raw if isinstance(raw, list) else []:
        tag = entry.get("languageTag") if isinstance(entry, dict) else None
        file = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(tag, str) or not isinstance(file, str):
            raise PackageError(
                [f"{TEMPLATE_PATH.name}: each additionalLanguages entry needs languageTag and file"]
            )
        additional.append((tag, file))
    return default, additional


def to_json_bytes(value: object) -> bytes:
    """Pretty, UTF-8 (not ASCII-escaped) JSON as Teams and humans read it."""
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- icons
#
# The icons are committed files, drawn by tools/draw_icons.py. The build reads a PNG only as
# far as Teams' rules need: the header for the size, and for the outline icon the pixels,
# which must be white on transparent. The standard library's zlib is all that takes.

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Colour type -> the bit depths the PNG specification allows with it (table 11.1).
PNG_BIT_DEPTHS: Mapping[int, tuple[int, ...]] = {
    0: (1, 2, 4, 8, 16),  # grey
    2: (8, 16),  # RGB
    3: (1, 2, 4, 8),  # palette
    4: (8, 16),  # grey + alpha
    6: (8, 16),  # RGBA
}
# The outline icon needs an alpha channel to be transparent; its pixels are read in these
# formats at 8 bits (colour type -> bytes a pixel), the ones image editors write.
OUTLINE_FORMATS: Mapping[int, int] = {4: 2, 6: 4}


@dataclass(frozen=True)
class Png:
    """The header of a PNG file and its image data, still compressed."""

    width: int
    height: int
    bit_depth: int
    colour_type: int
    interlaced: bool
    compressed: bytes  # the IDAT chunks, joined


def read_png(data: bytes) -> Png:
    """Walk the chunks of a PNG file (checking their CRCs) and read its header.

    Raises ValueError, saying why, for data that is not a complete, well-formed PNG.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("is not a PNG file (no PNG signature)")
    chunks: list[tuple[str, bytes]] = []
    pos = len(PNG_SIGNATURE)
    while not chunks or chunks[-1][0] != "IEND":
        if pos + 12 > len(data):
            raise ValueError("is truncated: the file ends before its IEND chunk")
        length, tag = struct.unpack(">I4s", data[pos : pos + 8])
        kind, end = tag.decode("latin-1"), pos + 12 + length
        if end > len(data):
            raise ValueError(f"is truncated: the file ends inside its {kind!r} chunk")
        body = data[pos + 8 : end - 4]
        if struct.unpack(">I", data[end - 4 : end])[0] != zlib.crc32(tag + body):
            raise ValueError(f"is corrupt: the {kind!r} chunk fails its CRC check")
        chunks.append((kind, body))
        pos = end
    kind, header = chunks[0]
    if kind != "IHDR" or len(header) != 13:
        raise ValueError("is corrupt: it does not start with an IHDR chunk")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", header
    )
    if depth not in PNG_BIT_DEPTHS.get(colour, ()):
        raise ValueError(f"is corrupt: colour type {colour} with bit depth {depth} is not PNG")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise ValueError("is corrupt: unknown compression, filter or interlace method")
    idat = b"".join(body for kind, body in chunks if kind == "IDAT")
    return Png(width, height, depth, colour, interlace == 1, idat)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_pixels(png: Png, bpp: int) -> bytes:
    """The pixels of an 8-bit, non-interlaced PNG of ``bpp`` bytes a pixel, row by row.

    Undoes the row filters (PNG specification, section 9), which encoders choose row by
    row. Raises ValueError for image data that does not fit the header.
    """
    stride = png.width * bpp
    size = png.height * (stride + 1)  # each row starts with its filter type
    inflater = zlib.decompressobj()
    try:
        # At most one byte more than the image needs: a small icon cannot inflate to gigabytes.
        raw = inflater.decompress(png.compressed, size + 1)
    except zlib.error as exc:
        raise ValueError(f"is corrupt: its image data does not decompress ({exc})") from exc
    if len(raw) != size or not inflater.eof:
        raise ValueError(
            f"is corrupt: its image data is not the {size} bytes of {png.width}×{png.height} pixels"
        )
    out = bytearray()
    previous = bytes(stride)
    for y in range(png.height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind > 4:
            raise ValueError(f"is corrupt: unknown filter type {kind} in row {y}")
        for k in range(stride):
            left = line[k - bpp] if k >= bpp else 0
            up_left = previous[k - bpp] if k >= bpp else 0
            up = previous[k]
            # None, Sub, Up, Average, Paeth: each adds back a prediction from its neighbours.
            predictions = (0, left, up, (left + up) // 2, _paeth(left, up, up_left))
            line[k] = (line[k] + predictions[kind]) & 0xFF
        out += line
        previous = bytes(line)
    return bytes(out)


# --------------------------------------------------------------------------- checks


def _resolve(document: object, key: str) -> tuple[bool, object]:
    """Follow a localization key like 'bots[0].commandLists[1].commands[2].title'."""
    node = document
    for segment in key.split("."):
        match = KEY_SEGMENT_RE.match(segment)
        if match is None or not isinstance(node, dict) or match.group(1) not in node:
            return False, None
        node = node[match.group(1)]
        for index_text in INDEX_RE.findall(match.group(2)):
            index = int(index_text)
            if not isinstance(node, list) or index >= len(node):
                return False, None
            node = node[index]
    return True, node


def _get(document: object, key: str) -> object:
    """The value at a localization-style key, or None when there is none."""
    return _resolve(document, key)[1]


def localizable_strings(manifest: Mapping[str, object]) -> dict[str, str]:
    """The default-language strings of the manifest under their localization keys."""
    strings: dict[str, str] = {}
    for key in TEXT_LIMITS:
        value = _get(manifest, key)
        if isinstance(value, str):
            strings[key] = value
    bots = manifest.get("bots")
    for b, bot in enumerate(bots if isinstance(bots, list) else []):
        lists = bot.get("commandLists") if isinstance(bot, dict) else None
        for i, command_list in enumerate(lists if isinstance(lists, list) else []):
            commands = command_list.get("commands") if isinstance(command_list, dict) else None
            for j, command in enumerate(commands if isinstance(commands, list) else []):
                for field in ("title", "description"):
                    value = command.get(field) if isinstance(command, dict) else None
                    if isinstance(value, str):
                        strings[f"bots[{b}].commandLists[{i}].commands[{j}].{field}"] = value
    return strings


def _text_limit(key: str) -> int | None:
    if key in TEXT_LIMITS:
        return TEXT_LIMITS[key]
    if key.startswith("bots[") and key.endswith(".title"):
        return COMMAND_TITLE_LIMIT
    if key.startswith("bots[") and key.endswith(".description"):
        return COMMAND_DESCRIPTION_LIMIT
    return None


def _check_strings(where: str, strings: Mapping[str, str]) -> list[str]:
    problems = []
    for key, value in strings.items():
        if not value.strip():
            problems.append(f"{where}: {key} is empty")
        limit = _text_limit(key)
        if limit is not None and len(value) > limit:
            problems.append(f"{where}: {key} is {len(value)} characters, at most {limit} allowed")
    return problems


def _check_schema_version(where: str, document: Mapping[str, object], version: object) -> list[str]:
    """$schema must name the manifest's schema version, so an upgrade cannot half-happen."""
    schema = document.get("$schema")
    if not isinstance(schema, str):
        return [f"{where}: $schema is missing"]
    match = SCHEMA_VERSION_RE.search(schema)
    if match is None or match.group(1) != version:
        return [f"{where}: $schema {schema!r} is not for manifestVersion {version!r}"]
    return []


def _check_manifest(manifest: Mapping[str, object]) -> list[str]:
    problems: list[str] = []
    where = MANIFEST_NAME
    version = manifest.get("version")
    if not isinstance(version, str) or not SEMVER_RE.match(version):
        problems.append(f"{where}: version {version!r} is not a semantic version X.Y.Z")
    problems.extend(_check_schema_version(where, manifest, manifest.get("manifestVersion")))
    for key in ("id", "bots[0].botId", "webApplicationInfo.id"):
        found, value = _resolve(manifest, key)
        if key == "webApplicationInfo.id" and not found:
            continue
        if not isinstance(value, str) or not GUID_RE.match(value):
            problems.append(f"{where}: {key} {value!r} is not a GUID")
    bot_id = _get(manifest, "bots[0].botId")
    if bot_id is not None and bot_id != manifest.get("id"):
        problems.append(f"{where}: bots[0].botId differs from the app id")
    colour = manifest.get("accentColor")
    if not isinstance(colour, str) or not HEX_COLOR_RE.match(colour):
        problems.append(f"{where}: accentColor {colour!r} is not a colour like #1F5C99")
    name = _get(manifest, "developer.name")
    if not isinstance(name, str) or not name or len(name) > DEVELOPER_NAME_LIMIT:
        problems.append(f"{where}: developer.name must be 1..{DEVELOPER_NAME_LIMIT} characters")
    for field in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        url = _get(manifest, f"developer.{field}")
        if not isinstance(url, str) or not re.match(r"^https?://[^\s]+$", url):
            problems.append(f"{where}: developer.{field} {url!r} is not an http(s) URL")
    for key in ("name.short", "description.short", "description.full"):
        if not _resolve(manifest, key)[0]:
            problems.append(f"{where}: {key} is missing")
    domains = manifest.get("validDomains", [])
    for domain in domains if isinstance(domains, list) else [domains]:
        host = domain.removeprefix("*.") if isinstance(domain, str) else ""
        if not DOMAIN_RE.match(host):
            problems.append(f"{where}: validDomains entry {domain!r} is not a host name")
    bot_scopes = _get(manifest, "bots[0].scopes")
    if not isinstance(bot_scopes, list) or not bot_scopes:
        problems.append(f"{where}: bots[0].scopes is missing")
    lists = _get(manifest, "bots[0].commandLists")
    if isinstance(lists, list):
        if len(lists) > MAX_COMMAND_LISTS:
            problems.append(f"{where}: {len(lists)} command lists, at most {MAX_COMMAND_LISTS}")
        for i, command_list in enumerate(lists):
            commands = command_list.get("commands") if isinstance(command_list, dict) else None
            if not isinstance(commands, list):
                problems.append(f"{where}: bots[0].commandLists[{i}].commands is not a list")
                continue
            if len(commands) > MAX_COMMANDS_PER_LIST:
                problems.append(
                    f"{where}: bots[0].commandLists[{i}] has {len(commands)} commands, "
                    f"at most {MAX_COMMANDS_PER_LIST}"
                )
    problems.extend(_check_strings(where, localizable_strings(manifest)))
    leftovers = sorted(set(PLACEHOLDER_RE.findall(json.dumps(manifest, ensure_ascii=False))))
    if leftovers:
        problems.append(f"{where}: unfilled placeholder(s) {', '.join(leftovers)}")
    return problems


def _check_localization(
    name: str,
    localization: Mapping[str, object],
    manifest: Mapping[str, object],
    default_keys: set[str],
) -> list[str]:
    problems: list[str] = []
    problems.extend(_check_schema_version(name, localization, manifest.get("manifestVersion")))
    strings: dict[str, str] = {}
    for key, value in localization.items():
        if key == "$schema":
            continue
        if not isinstance(_get(manifest, key), str):
            problems.append(f"{name}: key {key!r} refers to no text field of {MANIFEST_NAME}")
        if not isinstance(value, str):
            problems.append(f"{name}: {key} must be text")
        else:
            strings[key] = value
    for key in sorted(default_keys - set(localization)):
        problems.append(f"{name}: no translation for {key!r}")
    problems.extend(_check_strings(name, strings))
    return problems


def _check_outline(name: str, png: Png) -> list[str]:
    """Teams shows the outline icon on its own colours: white on transparent only."""
    bpp = OUTLINE_FORMATS.get(png.colour_type)
    if bpp is None or png.bit_depth != 8 or png.interlaced:
        return [
            f"{name}: must be an 8-bit, non-interlaced RGBA or grey+alpha PNG (it has colour "
            f"type {png.colour_type}, bit depth {png.bit_depth}): an outline icon is white on "
            "transparent"
        ]
    try:
        pixels = png_pixels(png, bpp)
    except ValueError as exc:
        return [f"{name}: {exc}"]
    visible = 0
    for p in range(0, len(pixels), bpp):
        *colour, alpha = pixels[p : p + bpp]
        if alpha == 0:
            continue
        if any(value != 255 for value in colour):
            x, y = (p // bpp) % png.width, (p // bpp) // png.width
            r, g, b = colour if bpp == 4 else colour * 3
            return [
                f"{name}: pixel ({x}, {y}) is rgb({r}, {g}, {b}) with alpha {alpha}: "
                "an outline icon must be white on transparent only"
            ]
        visible += 1
    if visible == 0:
        return [f"{name}: is fully transparent"]
    if visible == png.width * png.height:
        return [f"{name}: has no transparent pixels; it must be white on transparent"]
    return []


def _check_icon(name: str, data: bytes | None, size: int, outline: bool) -> list[str]:
    if data is None:
        return [f"{name}: missing from the package"]
    try:
        png = read_png(data)
    except ValueError as exc:
        return [f"{name}: {exc}"]
    if (png.width, png.height) != (size, size):
        return [f"{name}: is {png.width}×{png.height} pixels, must be {size}×{size}"]
    return _check_outline(name, png) if outline else []


def check_package(files: Mapping[str, bytes]) -> list[str]:
    """Cheap offline checks of a rendered package; returns the problems found (empty = ok)."""
    problems: list[str] = []
    documents: dict[str, JsonObject] = {}
    for name, data in files.items():
        if not name.endswith(".json"):
            continue
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{name}: not well-formed UTF-8 JSON: {exc}")
            continue
        if not isinstance(document, dict):
            problems.append(f"{name}: expected a JSON object")
            continue
        documents[name] = document
    manifest = documents.get(MANIFEST_NAME)
    if manifest is None:
        return problems or [f"{MANIFEST_NAME}: missing from the package"]

    problems.extend(_check_manifest(manifest))
    expected = {MANIFEST_NAME}
    default_keys = set(localizable_strings(manifest))
    additional = _get(manifest, "localizationInfo.additionalLanguages")
    for entry in additional if isinstance(additional, list) else []:
        file = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(file, str):
            continue
        expected.add(file)
        localization = documents.get(file)
        if localization is None:
            if file not in files:
                problems.append(f"{file}: listed in localizationInfo but missing")
            continue
        problems.extend(_check_localization(file, localization, manifest, default_keys))

    icons = {"color": (COLOR_ICON_SIZE, False), "outline": (OUTLINE_ICON_SIZE, True)}
    for role, (size, outline) in icons.items():
        icon_name = _get(manifest, f"icons.{role}")
        if not isinstance(icon_name, str):
            problems.append(f"{MANIFEST_NAME}: icons.{role} is missing")
            continue
        expected.add(icon_name)
        problems.extend(_check_icon(icon_name, files.get(icon_name), size, outline))

    for extra in sorted(set(files) - expected):
        problems.append(f"{extra}: not referred to by {MANIFEST_NAME}")
    return problems


# --------------------------------------------------------------------------- package

# Full JSON-schema validation (the npm package @microsoft/app-manifest, run by a small Node
# script) plugs in here: it gets the package files and returns its problems.
SchemaValidator = Callable[[Mapping[str, bytes]], list[str]]
NODE_TIMEOUT_S = 120.0


def node_schema_validator(files: Mapping[str, bytes]) -> list[str]:
    """Validate the package against the schemas bundled in the npm @microsoft/app-manifest.

    Runs ``node tools/validate-manifest.mjs`` on the files written to a temporary folder
    (the manifest schema with ``ManifestUtil.validateManifestAgainstSchema``, the
    localization files against the localization schema). Offline: the schemas come with
    the pinned package, installed by ``make tools``. Missing Node.js or packages are
    problems too, so a package is never written unvalidated.
    """
    node = shutil.which("node")
    if node is None:
        return ["schema validation needs Node.js 20 (`node` is not on PATH)"]
    if not (TOOLS_DIR / "node_modules" / "@microsoft" / "app-manifest").is_dir():
        return [
            "schema validation needs the pinned npm packages in tools/node_modules: "
            "run `make tools` (npm ci --prefix tools)"
        ]
    with tempfile.TemporaryDirectory(prefix="appmanifest-") as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        try:
            # Our own script on files we just wrote: no untrusted input.
            completed = subprocess.run(  # noqa: S603
                [node, str(VALIDATE_MANIFEST_SCRIPT), folder],
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=NODE_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [f"schema validation did not finish in {NODE_TIMEOUT_S:.0f} s"]
    if completed.returncode not in (0, 1):
        detail = completed.stderr.strip() or f"exit status {completed.returncode}"
        return [f"schema validation failed to run: {detail}"]
    try:
        result = json.loads(completed.stdout)
        problems = result["problems"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return [f"schema validation printed no result: {completed.stdout[:200]!r}"]
    if not isinstance(problems, list):
        return ["schema validation printed no list of problems"]
    if not problems:
        LOG.info(
            "schema: %s valid against the v%s schemas of @microsoft/app-manifest %s",
            ", ".join(str(name) for name in result.get("checked", [])),
            result.get("manifestVersion"),
            result.get("appManifest"),
        )
    return [f"schema: {problem}" for problem in problems]


def build_package(
    settings: BuildSettings,
    *,
    template_path: Path = TEMPLATE_PATH,
    commands_path: Path = COMMANDS_PATH,
    locales_dir: Path = LOCALES_DIR,
    schema_validator: SchemaValidator | None = None,
) -> dict[str, bytes]:
    """Render and check the package; returns file name -> content in zip order.

    Raises :class:`PackageError` with every problem found.
    """
    template = load_json(template_path)
    default_language, additional = languages_of(template)
    languages = [default_language] + [tag for tag, _ in additional]
    commands = load_commands(commands_path, languages)
    manifest, slots = render_manifest(template, settings, commands, default_language)

    files: dict[str, bytes] = {MANIFEST_NAME: to_json_bytes(manifest)}
    for tag, file in additional:
        source_path = locales_dir / file
        source = load_json(source_path)
        files[file] = to_json_bytes(render_localization(source, str(source_path), tag, slots))
    for icon in (COLOR_ICON_NAME, OUTLINE_ICON_NAME):
        files[icon] = read_source(HERE / icon)

    problems = check_package(files)
    if schema_validator is not None and not problems:
        problems.extend(schema_validator(files))
    if problems:
        raise PackageError(problems)
    return files


def _zip_entries(files: Mapping[str, bytes]) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    for name, data in files.items():
        # A fixed timestamp makes the same inputs give a byte-identical zip.
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        yield info, data


def write_zip(files: Mapping[str, bytes], out: Path) -> None:
    """Write the files at the zip's root; the old zip is replaced only by a complete one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for info, data in _zip_entries(files):
            archive.writestr(info, data)
    partial.replace(out)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="appmanifest/build.py",
        description="Build and check the Teams app package (manifest, localizations, icons).",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/appmanifest.zip"),
        help="zip to write (default: build/appmanifest.zip)",
    )
    parser.add_argument("--app-id", help="the bot's Microsoft App ID (GUID); env APP_ID")
    parser.add_argument(
        "--domain", help="host name the bot is reached at, e.g. bot.example.fi; env BOT_DOMAIN"
    )
    parser.add_argument(
        "--version", help="app version X.Y.Z (default: the project's version, else 1.0.0)"
    )
    parser.add_argument(
        "--public-url",
        help="public base URL for the developer links (website, /privacy, /terms); "
        "env BOT_PUBLIC_URL (default: https://DOMAIN)",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Command line entry point; returns the exit status (0 ok, 1 bad package, 2 bad input)."""
    logging.basicConfig(format="appmanifest: %(levelname)s: %(message)s", level=logging.INFO)
    args = _parser().parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        settings = resolve_settings(
            app_id=args.app_id or env.get("APP_ID") or None,
            domain=args.domain or env.get("BOT_DOMAIN") or None,
            version=args.version,
            public_url=args.public_url or env.get("BOT_PUBLIC_URL") or None,
            default_version=project_version(),
        )
    except PackageError as exc:
        for problem in exc.problems:
            LOG.error("%s", problem)
        return 2
    try:
        files = build_package(settings, schema_validator=node_schema_validator)
    except PackageError as exc:
        for problem in exc.problems:
            LOG.error("%s", problem)
        LOG.error("no package written")
        return 1
    write_zip(files, args.out)
    LOG.info(
        "wrote %s (app id %s, domain %s, version %s): %s",
        args.out,
        settings.app_id,
        settings.domain,
        settings.version,
        ", ".join(files),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
