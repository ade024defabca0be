"""Draw the two Teams app icons: appmanifest/color.png and appmanifest/outline.png.

Usage (from the repository root)::

    .venv/bin/python tools/draw_icons.py [--out DIR]

The icons are committed files: ``appmanifest/build.py`` only reads and checks them. This
script is their source; run it after changing the drawing and commit both PNGs.
``tests/appmanifest/test_appmanifest.py`` fails when the committed files are not what it draws.

One symbol, a speech bubble with a heart: the bot answers, and it is about caring for a
community. It is described once (:func:`symbol_label`, a function from a point of a unit
square to a label); each icon style maps labels to colours and places the unit square on
its canvas. Only the standard library is needed.
"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS_DIR = ROOT / "appmanifest"

BACKGROUND, BUBBLE, HEART = 0, 1, 2
Rgba = tuple[int, int, int, int]
ACCENT: Rgba = (0x1F, 0x5C, 0x99, 0xFF)  # = accentColor in appmanifest/manifest.template.json
WHITE: Rgba = (0xFF, 0xFF, 0xFF, 0xFF)
TRANSPARENT: Rgba = (0xFF, 0xFF, 0xFF, 0x00)  # white, so averaging with white stays white
CORAL: Rgba = (0xE8, 0x60, 0x4C, 0xFF)


@dataclass(frozen=True)
class IconStyle:
    """How the symbol is painted on one icon."""

    file: str
    size: int
    scale: float  # side of the symbol's unit square as a fraction of the canvas
    colours: Mapping[int, Rgba]  # label -> colour
    samples: int  # supersamples per axis on pixels that an edge crosses


# Teams wants a 192×192 full-colour icon and a 32×32 outline, white on transparent.
COLOR_STYLE = IconStyle(
    file="color.png",
    size=192,
    scale=0.72,  # leaves the margin Teams crops for its rounded tiles
    colours={BACKGROUND: ACCENT, BUBBLE: WHITE, HEART: CORAL},
    samples=4,
)
OUTLINE_STYLE = IconStyle(
    file="outline.png",
    size=32,
    scale=1.0,
    colours={BACKGROUND: TRANSPARENT, BUBBLE: WHITE, HEART: TRANSPARENT},
    samples=8,
)
STYLES = (COLOR_STYLE, OUTLINE_STYLE)


def _in_rounded_rect(
    x: float, y: float, cx: float, cy: float, hw: float, hh: float, r: float
) -> bool:
    dx = max(abs(x - cx) - (hw - r), 0.0)
    dy = max(abs(y - cy) - (hh - r), 0.0)
    return dx * dx + dy * dy <= r * r and abs(x - cx) <= hw and abs(y - cy) <= hh


def _in_triangle(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> bool:
    def side(p: tuple[float, float], q: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    s1, s2, s3 = side(a, b), side(b, c), side(c, a)
    return (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)


def _in_heart(x: float, y: float, cx: float, cy: float, size: float) -> bool:
    # The classic implicit heart (x² + y² − 1)³ − x²y³ ≤ 0, y pointing up; its visual
    # centre sits at about y = 0.12, hence the shift.
    hx = (x - cx) / size
    hy = (cy - y) / size + 0.12
    q = hx * hx + hy * hy - 1.0
    return q * q * q - hx * hx * hy * hy * hy <= 0.0


def symbol_label(x: float, y: float) -> int:
    """The single source of the icons: which part of the symbol the point (x, y) is in.

    Coordinates are in the unit square, y pointing down.
    """
    in_bubble = _in_rounded_rect(x, y, 0.5, 0.42, 0.40, 0.29, 0.15) or _in_triangle(
        x, y, (0.26, 0.60), (0.50, 0.66), (0.20, 0.91)
    )
    if not in_bubble:
        return BACKGROUND
    if _in_heart(x, y, 0.5, 0.42, 0.155):
        return HEART
    return BUBBLE


def draw(style: IconStyle, shape: Callable[[float, float], int] = symbol_label) -> bytes:
    """A square icon as 8-bit RGBA pixels, row by row, anti-aliased by supersampling."""
    size, n = style.size, style.samples
    offset = 0.5 - 0.5 / style.scale  # the unit square is centred on the canvas

    def label_at(px: float, py: float) -> int:
        return shape(offset + px / size / style.scale, offset + py / size / style.scale)

    # Labels at pixel corners, shared by neighbours: a pixel whose corners and centre agree
    # is taken as uniform; only the pixels that an edge crosses are supersampled n × n.
    corners = [[label_at(i, j) for i in range(size + 1)] for j in range(size + 1)]
    out = bytearray()
    for j in range(size):
        for i in range(size):
            probe = {
                corners[j][i],
                corners[j][i + 1],
                corners[j + 1][i],
                corners[j + 1][i + 1],
                label_at(i + 0.5, j + 0.5),
            }
            if len(probe) == 1:
                out.extend(style.colours[probe.pop()])
                continue
            counts: dict[int, int] = {}
            for sj in range(n):
                for si in range(n):
                    label = label_at(i + (si + 0.5) / n, j + (sj + 0.5) / n)
                    counts[label] = counts.get(label, 0) + 1
            total = n * n
            out.extend(
                round(sum(style.colours[label][k] * c for label, c in counts.items()) / total)
                for k in range(4)
            )
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(width: int, height: int, filtered_rows: bytes) -> bytes:
    """A minimal PNG file (8-bit RGBA) from pixel rows that each start with their filter type."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(filtered_rows, 9))
        + _chunk(b"IEND", b"")
    )


def render(style: IconStyle) -> bytes:
    """The icon of ``style`` as the PNG file that is committed."""
    pixels, stride = draw(style), 4 * style.size
    # Filter type 0 (None) on every row: the pixels as they are, small enough for two icons.
    rows = b"".join(b"\x00" + pixels[y * stride : (y + 1) * stride] for y in range(style.size))
    return encode_png(style.size, style.size, rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Write both icons into the folder given (default: appmanifest/)."""
    parser = argparse.ArgumentParser(
        prog="tools/draw_icons.py", description="Draw the Teams app icons as PNG files."
    )
    parser.add_argument(
        "--out", type=Path, default=ICONS_DIR, help="folder to write to (default: appmanifest/)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for style in STYLES:
        path = args.out / style.file
        path.write_bytes(render(style))
        print(f"wrote {path} ({style.size}×{style.size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
