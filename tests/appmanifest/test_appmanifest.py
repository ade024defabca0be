"""The Teams app package: appmanifest/build.py renders, checks and zips it; the icons it
reads are what tools/draw_icons.py draws."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tools.draw_icons import COLOR_STYLE, OUTLINE_STYLE, draw, encode_png

ROOT = Path(__file__).resolve().parents[2]
APPMANIFEST = ROOT / "appmanifest"
BUILD_SCRIPT = APPMANIFEST / "build.py"
DRAW_SCRIPT = ROOT / "tools" / "draw_icons.py"
COMMANDS_JSON = APPMANIFEST / "commands.json"
PACKAGE_FILES = {"manifest.json", "en.json", "sv.json", "color.png", "outline.png"}
APP_ID = "12345678-abcd-4ef0-9876-0123456789ab"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def _json(files: Mapping[str, bytes], name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(files[name].decode("utf-8"))
    return value


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"APP_ID", "BOT_DOMAIN"}}
    env.pop("BOT_PUBLIC_URL", None)
    return env


def _run(
    *args: str, env: Mapping[str, str] | None = None, script: Path = BUILD_SCRIPT
) -> subprocess.CompletedProcess[str]:
    # Our own script with arguments the tests choose: no untrusted input.
    return subprocess.run(  # noqa: S603
        [sys.executable, str(script), *args],
        cwd=ROOT,
        env=dict(env) if env is not None else _clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _zip_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rgba_pixels(rgba: bytes) -> Iterator[tuple[int, int, int, int]]:
    for p in range(0, len(rgba), 4):
        yield rgba[p], rgba[p + 1], rgba[p + 2], rgba[p + 3]


# ------------------------------------------------------------------ the command line


def test_cli_writes_a_zip_with_exactly_the_package_files_at_its_root(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "appmanifest.zip"
    result = _run(
        "--out", str(out), "--app-id", APP_ID, "--domain", "bot.example.fi", "--version", "2.0.1"
    )

    assert result.returncode == 0, result.stderr
    contents = _zip_contents(out)
    assert set(contents) == PACKAGE_FILES
    manifest = _json(contents, "manifest.json")
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["version"] == "2.0.1"
    assert manifest["validDomains"] == ["bot.example.fi"]
    assert manifest["webApplicationInfo"] == {
        "id": APP_ID,
        "resource": f"api://bot.example.fi/{APP_ID}",
    }
    assert manifest["developer"]["privacyUrl"] == "https://bot.example.fi/privacy"
    assert "local testing" not in result.stderr


def test_cli_takes_app_id_domain_and_public_url_from_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    env = _clean_env() | {"APP_ID": APP_ID, "BOT_PUBLIC_URL": "https://yhteiso.example.fi/bot/"}

    result = _run("--out", str(out), "--version", "1.0.0", env=env)

    assert result.returncode == 0, result.stderr
    manifest = _json(_zip_contents(out), "manifest.json")
    assert manifest["id"] == APP_ID
    # The domain follows from the public URL when BOT_DOMAIN is not set.
    assert manifest["validDomains"] == ["yhteiso.example.fi"]
    assert manifest["developer"]["websiteUrl"] == "https://yhteiso.example.fi/bot/"
    assert manifest["developer"]["termsOfUseUrl"] == "https://yhteiso.example.fi/bot/terms"


def test_without_app_id_or_domain_the_zip_has_placeholders_and_a_warning(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"

    result = _run("--out", str(out), "--version", "1.0.0")

    assert result.returncode == 0, result.stderr
    assert "only for local testing" in result.stderr
    assert "APP_ID" in result.stderr and "BOT_DOMAIN" in result.stderr
    manifest = _json(_zip_contents(out), "manifest.json")
    assert manifest["id"] == ZERO_GUID
    assert manifest["bots"][0]["botId"] == ZERO_GUID
    assert manifest["validDomains"] == ["localhost"]
    assert "webApplicationInfo" not in manifest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--app-id", "not-a-guid"), "app id 'not-a-guid' is not a GUID"),
        (("--app-id", APP_ID + "0"), "is not a GUID"),
        (("--version", "1.2"), "version '1.2' is not a semantic version"),
        (("--version", "v1.2.3"), "version 'v1.2.3' is not a semantic version"),
        (("--version", "01.2.3"), "is not a semantic version"),
        (("--domain", "https://bot.example.fi/api"), "is not a host name"),
        (("--public-url", "ftp://bot.example.fi"), "is not an http(s) URL"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_no_zip(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "app.zip"

    result = _run("--out", str(out), *args)

    assert result.returncode != 0
    assert message in result.stderr
    assert not out.exists()


def test_bad_app_id_from_the_environment_is_refused_too(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"

    result = _run("--out", str(out), env=_clean_env() | {"APP_ID": "my-bot"})

    assert result.returncode != 0
    assert "app id 'my-bot' is not a GUID" in result.stderr
    assert not out.exists()


# ------------------------------------------------------------------ icons


def _png(size: int, rgba: bytes, filter_type: int = 0) -> bytes:
    """An RGBA PNG whose rows all use one filter type, as image editors choose them."""
    stride, rows, previous = 4 * size, bytearray(), bytes(4 * size)
    for y in range(size):
        line = rgba[y * stride : (y + 1) * stride]
        rows.append(filter_type)
        for k in range(stride):
            a, b = line[k - 4] if k >= 4 else 0, previous[k]
            c = previous[k - 4] if k >= 4 else 0
            # Paeth's choice as the PNG specification words it: the nearest of a, b, c to
            # a + b - c, ties going to a, then b.
            paeth = min((abs(b - c), 0, a), (abs(a - c), 1, b), (abs(a + b - 2 * c), 2, c))[2]
            prediction = (0, a, b, (a + b) // 2, paeth)[filter_type]
            rows.append((line[k] - prediction) & 0xFF)
        previous = line
    return encode_png(size, size, bytes(rows))


def test_the_committed_icons_are_what_tools_draw_icons_draws(
    build: ModuleType, tmp_path: Path
) -> None:
    # Our own script with arguments the test chooses: no untrusted input.
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(DRAW_SCRIPT), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    def image(path: Path) -> tuple[object, ...]:
        # The header and the rows once inflated, not the file's bytes: another zlib may pack
        # the same image into other bytes, which is no drift.
        png = build.read_png(path.read_bytes())
        return (
            png.width,
            png.height,
            png.bit_depth,
            png.colour_type,
            png.interlaced,
            zlib.decompress(png.compressed),
        )

    for name in ("color.png", "outline.png"):
        assert image(tmp_path / name) == image(APPMANIFEST / name), (
            f"appmanifest/{name} is not what tools/draw_icons.py draws: run it and commit"
        )


def test_the_package_carries_the_committed_icons_in_the_required_sizes(
    build: ModuleType, files: dict[str, bytes]
) -> None:
    for name, size in (("color.png", 192), ("outline.png", 32)):
        assert files[name] == (APPMANIFEST / name).read_bytes()
        png = build.read_png(files[name])
        assert (png.width, png.height) == (size, size)


def test_outline_drawing_is_white_on_transparent_and_anti_aliased() -> None:
    pixels = list(_rgba_pixels(draw(OUTLINE_STYLE)))

    assert len(pixels) == 32 * 32
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in pixels)
    alphas = {a for _, _, _, a in pixels}
    assert 0 in alphas and 255 in alphas  # a shape on a transparent background
    assert any(0 < a < 255 for a in alphas)  # anti-aliased edges


def test_colour_drawing_has_a_full_colour_background_in_the_accent_colour() -> None:
    pixels = list(_rgba_pixels(draw(COLOR_STYLE)))

    assert len(pixels) == 192 * 192
    assert all(a == 255 for _, _, _, a in pixels)
    template = json.loads((APPMANIFEST / "manifest.template.json").read_text("utf-8"))
    accent = tuple(int(template["accentColor"][k : k + 2], 16) for k in (1, 3, 5))
    assert pixels[0][:3] == accent  # the corner shows the background
    assert len({p[:3] for p in pixels}) > 3  # symbol colours plus anti-aliasing blends


@pytest.mark.parametrize("filter_type", [0, 1, 2, 3, 4])
def test_check_reads_the_outline_through_every_png_row_filter(
    build: ModuleType, files: dict[str, bytes], filter_type: int
) -> None:
    rgba = bytearray(draw(OUTLINE_STYLE))
    good = dict(files) | {"outline.png": _png(32, rgba, filter_type)}
    rgba[4 * (32 * 20 + 7) : 4 * (32 * 20 + 8)] = bytes((0, 0, 0, 128))  # pixel (7, 20)
    broken = dict(files) | {"outline.png": _png(32, rgba, filter_type)}

    assert build.check_package(good) == []
    assert build.check_package(broken) == [
        "outline.png: pixel (7, 20) is rgb(0, 0, 0) with alpha 128: "
        "an outline icon must be white on transparent only"
    ]


def _run_with_icon(
    tmp_path: Path, name: str, data: bytes | None
) -> subprocess.CompletedProcess[str]:
    """The command line on a copy of appmanifest/ whose icon `name` is `data` (None: gone)."""
    sources = tmp_path / "appmanifest"
    shutil.copytree(APPMANIFEST, sources, ignore=shutil.ignore_patterns("__pycache__"))
    if data is None:
        (sources / name).unlink()
    else:
        (sources / name).write_bytes(data)
    return _run("--out", str(tmp_path / "app.zip"), script=sources / "build.py")


def _with_colour_type(png: bytes, colour_type: int) -> bytes:
    """The PNG with another colour type in its header (and the header's CRC to match)."""
    header = png[12:25] + bytes((colour_type,)) + png[26:29]  # 'IHDR' and its 13 bytes
    return png[:12] + header + struct.pack(">I", zlib.crc32(header)) + png[33:]


def _with_a_flipped_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes((data[index] ^ 0xFF,)) + data[index + 1 :]


COLOR_PNG = (APPMANIFEST / "color.png").read_bytes()
OUTLINE_PNG = (APPMANIFEST / "outline.png").read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "color.png",
            _png(100, bytes(4 * 100 * 100)),
            "color.png: is 100×100 pixels, must be 192×192",
        ),
        ("outline.png", COLOR_PNG, "outline.png: is 192×192 pixels, must be 32×32"),
        ("outline.png", b"GIF89a\x20\x00\x20\x00", "outline.png: is not a PNG file"),
        ("color.png", b"", "color.png: is not a PNG file"),
        ("outline.png", None, "outline.png: cannot read: No such file or directory"),
        ("color.png", COLOR_PNG[: len(COLOR_PNG) // 2], "color.png: is truncated"),
        ("outline.png", OUTLINE_PNG[:-12], "outline.png: is truncated"),
        (
            "color.png",
            _with_a_flipped_byte(COLOR_PNG, 100),
            "color.png: is corrupt: the 'IDAT' chunk fails its CRC check",
        ),
        (
            "outline.png",
            _png(32, bytes((255, 255, 255, 255)) * (32 * 32)),
            "outline.png: has no transparent pixels",
        ),
        (
            "outline.png",
            _with_colour_type(OUTLINE_PNG, 2),
            "outline.png: must be an 8-bit, non-interlaced RGBA or grey+alpha PNG "
            "(it has colour type 2, bit depth 8)",
        ),
        ("outline.png", _png(32, bytes(4 * 32 * 32)), "outline.png: is fully transparent"),
        (
            "outline.png",
            _png(32, bytes((255, 0, 0, 255)) + draw(OUTLINE_STYLE)[4:]),
            "outline.png: pixel (0, 0) is rgb(255, 0, 0) with alpha 255",
        ),
    ],
)
def test_a_broken_icon_stops_the_build_with_a_message_naming_the_file(
    tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    result = _run_with_icon(tmp_path, name, data)

    assert result.returncode == 1
    assert message in result.stderr
    assert "no package written" in result.stderr
    assert not (tmp_path / "app.zip").exists()


# ------------------------------------------------------------------ commands and languages


def test_manifest_commands_are_exactly_the_data_list(files: dict[str, bytes]) -> None:
    data = json.loads(COMMANDS_JSON.read_text(encoding="utf-8"))["commands"]
    manifest = _json(files, "manifest.json")
    bot = manifest["bots"][0]

    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    listed_scopes = [scope for cl in bot["commandLists"] for scope in cl["scopes"]]
    assert sorted(listed_scopes) == sorted(bot["scopes"])  # one command list per scope
    for command_list in bot["commandLists"]:
        (scope,) = command_list["scopes"]
        expected = [
            {"title": c["title"]["fi"], "description": c["description"]["fi"]}
            for c in data
            if scope in c["scopes"]
        ]
        assert command_list["commands"] == expected
    personal = bot["commandLists"][0]["commands"]
    assert [c["title"] for c in personal] == ["apua", "aiheet", "vinkki"]


def test_localization_files_carry_the_commands_in_their_language(
    files: dict[str, bytes],
) -> None:
    data = json.loads(COMMANDS_JSON.read_text(encoding="utf-8"))["commands"]
    for lang in ("en", "sv"):
        localization = _json(files, f"{lang}.json")
        titles = [
            localization[f"bots[0].commandLists[0].commands[{j}].title"] for j in range(len(data))
        ]
        assert titles == [c["title"][lang] for c in data]
    assert _json(files, "sv.json")["bots[0].commandLists[2].commands[0].title"] == "hjälp"
    assert _json(files, "en.json")["bots[0].commandLists[1].commands[2].title"] == "tip"


def test_fi_en_and_sv_have_the_same_keys(build: ModuleType, files: dict[str, bytes]) -> None:
    manifest = _json(files, "manifest.json")
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "fi",
        "additionalLanguages": [
            {"languageTag": "en", "file": "en.json"},
            {"languageTag": "sv", "file": "sv.json"},
        ],
    }
    fi_keys = set(build.localizable_strings(manifest))
    en = _json(files, "en.json")
    sv = _json(files, "sv.json")

    assert {"name.short", "name.full", "description.short", "description.full"} <= fi_keys
    assert set(en) - {"$schema"} == fi_keys
    assert set(sv) - {"$schema"} == fi_keys
    assert en["description.full"] != manifest["description"]["full"]
    assert sv["description.full"] != en["description.full"]


def test_names_and_descriptions_are_within_the_limits(files: dict[str, bytes]) -> None:
    manifest = _json(files, "manifest.json")
    fi = {
        "name.short": manifest["name"]["short"],
        "description.short": manifest["description"]["short"],
        "description.full": manifest["description"]["full"],
    }
    for strings in (fi, _json(files, "en.json"), _json(files, "sv.json")):
        assert 0 < len(strings["name.short"]) <= 30
        assert 0 < len(strings["description.short"]) <= 80
        assert 0 < len(strings["description.full"]) <= 4000


def test_a_new_command_in_the_data_place_reaches_manifest_and_translations(
    build: ModuleType, tmp_path: Path
) -> None:
    data = json.loads(COMMANDS_JSON.read_text(encoding="utf-8"))
    data["commands"].append(
        {
            "id": "coffee",
            "scopes": ["personal"],
            "title": {"fi": "kahvi", "en": "coffee", "sv": "kaffe"},
            "description": {
                "fi": "Ilmoittaudu virtuaalikahville",
                "en": "Sign up for virtual coffee",
                "sv": "Anmäl dig till virtuellt kaffe",
            },
        }
    )
    commands_path = tmp_path / "commands.json"
    commands_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings = build.resolve_settings(app_id=APP_ID, domain=None, version="1.0.0", public_url=None)

    files = build.build_package(settings, commands_path=commands_path)

    lists = _json(files, "manifest.json")["bots"][0]["commandLists"]
    assert [c["title"] for c in lists[0]["commands"]][-1] == "kahvi"
    assert "kahvi" not in [c["title"] for c in lists[1]["commands"]]  # team: not listed
    assert _json(files, "sv.json")["bots[0].commandLists[0].commands[3].title"] == "kaffe"
    assert "bots[0].commandLists[1].commands[3].title" not in _json(files, "en.json")


def test_a_command_without_a_swedish_title_is_refused(build: ModuleType, tmp_path: Path) -> None:
    data = json.loads(COMMANDS_JSON.read_text(encoding="utf-8"))
    del data["commands"][2]["title"]["sv"]
    commands_path = tmp_path / "commands.json"
    commands_path.write_text(json.dumps(data), encoding="utf-8")
    settings = build.resolve_settings(app_id=APP_ID, domain=None, version="1.0.0", public_url=None)

    with pytest.raises(build.PackageError) as error:
        build.build_package(settings, commands_path=commands_path)

    assert any("command 'tip': no title in language 'sv'" in p for p in error.value.problems)


# ------------------------------------------------------------------ the checks themselves


def test_built_package_passes_its_own_checks(build: ModuleType, files: dict[str, bytes]) -> None:
    assert build.check_package(files) == []


def test_check_refuses_a_localization_key_that_refers_to_no_field(
    build: ModuleType, files: dict[str, bytes]
) -> None:
    en = _json(files, "en.json")
    en["bots[0].commandLists[0].commands[9].title"] = "ghost"
    del en["name.full"]
    broken = dict(files) | {"en.json": json.dumps(en).encode("utf-8")}

    problems = build.check_package(broken)

    assert (
        "en.json: key 'bots[0].commandLists[0].commands[9].title' refers to no text field "
        "of manifest.json" in problems
    )
    assert "en.json: no translation for 'name.full'" in problems


def test_check_refuses_malformed_json_and_extra_files(
    build: ModuleType, files: dict[str, bytes]
) -> None:
    broken = dict(files) | {"sv.json": b'{"name.short": "x",', "notes.txt": b"hello"}

    problems = build.check_package(broken)

    assert any(p.startswith("sv.json: not well-formed UTF-8 JSON") for p in problems)
    assert "notes.txt: not referred to by manifest.json" in problems


def test_check_refuses_too_long_names(build: ModuleType, files: dict[str, bytes]) -> None:
    manifest = _json(files, "manifest.json")
    manifest["name"]["short"] = "Yhteisöbotti valtion työyhteisöille"  # 35 characters
    sv = _json(files, "sv.json")
    sv["description.short"] = "x" * 81
    broken = dict(files) | {
        "manifest.json": json.dumps(manifest).encode("utf-8"),
        "sv.json": json.dumps(sv).encode("utf-8"),
    }

    problems = build.check_package(broken)

    assert "manifest.json: name.short is 35 characters, at most 30 allowed" in problems
    assert "sv.json: description.short is 81 characters, at most 80 allowed" in problems


def test_too_long_name_in_the_template_stops_the_build(build: ModuleType, tmp_path: Path) -> None:
    template = json.loads((ROOT / "appmanifest" / "manifest.template.json").read_text("utf-8"))
    template["name"]["short"] = "Y" * 31
    template_path = tmp_path / "manifest.template.json"
    template_path.write_text(json.dumps(template), encoding="utf-8")
    settings = build.resolve_settings(app_id=APP_ID, domain=None, version="1.0.0", public_url=None)

    with pytest.raises(build.PackageError) as error:
        build.build_package(settings, template_path=template_path)

    assert "manifest.json: name.short is 31 characters, at most 30 allowed" in error.value.problems


def test_check_refuses_a_bad_manifest_version_and_app_id(
    build: ModuleType, files: dict[str, bytes]
) -> None:
    manifest = _json(files, "manifest.json")
    manifest["version"] = "1.0"
    manifest["id"] = "yhteisobotti"
    broken = dict(files) | {"manifest.json": json.dumps(manifest).encode("utf-8")}

    problems = build.check_package(broken)

    assert "manifest.json: version '1.0' is not a semantic version X.Y.Z" in problems
    assert "manifest.json: id 'yhteisobotti' is not a GUID" in problems


def test_schema_validation_hook_receives_the_files_and_can_stop_the_build(
    build: ModuleType,
) -> None:
    seen: list[set[str]] = []

    def validator(package: Mapping[str, bytes]) -> list[str]:
        seen.append(set(package))
        return ["manifest.json: /bots/0 must NOT have additional properties"]

    settings = build.resolve_settings(app_id=APP_ID, domain=None, version="1.0.0", public_url=None)
    with pytest.raises(build.PackageError) as error:
        build.build_package(settings, schema_validator=validator)

    assert seen == [PACKAGE_FILES]
    assert error.value.problems == ["manifest.json: /bots/0 must NOT have additional properties"]


def test_same_inputs_give_a_byte_identical_zip(
    build: ModuleType, files: dict[str, bytes], tmp_path: Path
) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build.write_zip(files, first)
    build.write_zip(files, second)

    assert first.read_bytes() == second.read_bytes()
    assert _zip_contents(first) == files
