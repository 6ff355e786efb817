"""The demo films' posters: simple pictures drawn with Pillow, committed as small PNGs in ``posters/``.

A kiosk draws a poster in about 14 × 10 terminal cells (14 × 20 pixels), so a poster that reads there is made of
a few large shapes and two or three colours, not of text: each demo film gets a sky, a horizon and one motif
that says something about it (a fiery ring for Ne Zha, the Earth and its engines for The Wandering Earth…). The
title is shown by the kiosk beside the picture, in the customer's language.

Regenerate the files after changing a drawing::

    python -m boxoffice.demo.poster_art

:func:`install_demo_posters` copies them into a site's ``[kiosk] posters_dir`` (``boxoffice demo`` does).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw

from boxoffice.posters import slug

WIDTH, HEIGHT = 120, 180
"""Poster size in pixels (2:3); the kiosk scales it down."""
_SCALE = 4  # drawn this much larger, then reduced: smooth edges

Colour = tuple[int, int, int]
Painter = Callable[[ImageDraw.ImageDraw, int, int, random.Random], None]


def _gradient(image: Image.Image, top: Colour, bottom: Colour, until: float = 1.0) -> None:
    draw = ImageDraw.Draw(image)
    height = int(image.height * until)
    for y in range(height):
        f = y / max(1, height - 1)
        draw.line([(0, y), (image.width, y)], fill=tuple(round(a + (b - a) * f) for a, b in zip(top, bottom)))


def _ne_zha(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    cx, cy, r = w // 2, h * 2 // 5, w // 3
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 196, 64), width=w // 14)
    d.ellipse([cx - r // 3, cy - r // 3, cx + r // 3, cy + r // 3], fill=(255, 230, 160))
    for _ in range(40):
        x, y = rnd.randrange(w), rnd.randrange(h * 3 // 5, h)
        d.polygon([(x, y), (x + w // 30, y - h // 10), (x + w // 15, y)], fill=(255, 120 + rnd.randrange(80), 40))


def _wandering_earth(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    for _ in range(60):
        x, y = rnd.randrange(w), rnd.randrange(h // 2)
        d.point((x, y), fill=(220, 230, 255))
    cx, cy, r = w // 2, h * 5 // 8, w * 2 // 5
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(40, 110, 200))
    d.chord([cx - r, cy - r, cx + r, cy + r], 200, 300, fill=(70, 160, 90))
    for i in range(5):
        x = cx - r + (i + 1) * 2 * r // 6
        d.line([(x, cy + r // 2), (x - w // 10, h)], fill=(150, 220, 255), width=w // 40)


def _full_river_red(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    d.ellipse([w // 4, h // 6, w * 3 // 4, h // 6 + w // 2], fill=(200, 30, 30))
    roof = h * 3 // 5
    d.polygon([(0, roof), (w // 2, roof - h // 8), (w, roof), (w, h), (0, h)], fill=(20, 12, 12))
    d.line([(w // 6, roof), (w * 5 // 6, roof - h // 10)], fill=(90, 20, 20), width=w // 60)


def _detective(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    cx, cy, r = w * 2 // 5, h * 2 // 5, w // 4
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(60, 40, 20), width=w // 20, fill=(240, 215, 160))
    d.line([(cx + r * 2 // 3, cy + r * 2 // 3), (cx + r * 2, cy + r * 2)], fill=(60, 40, 20), width=w // 12)
    d.rectangle([0, h * 4 // 5, w, h], fill=(90, 60, 30))


def _yolo(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    d.ellipse([w // 5, h // 5, w * 4 // 5, h // 5 + w * 3 // 5], fill=(255, 200, 60))
    for i in range(6):
        y = h * 3 // 5 + i * h // 16
        d.rectangle([0, y, w, y + h // 40], fill=(255, 90, 140))


def _zootopia(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    x = 0
    while x < w:
        bw, bh = w // 10 + rnd.randrange(w // 10), h // 4 + rnd.randrange(h // 3)
        d.rectangle([x, h - bh, x + bw, h], fill=(30 + rnd.randrange(40), 120 + rnd.randrange(60), 110))
        x += bw + w // 60
    d.ellipse([w * 3 // 5, h // 8, w * 3 // 5 + w // 4, h // 8 + w // 4], fill=(255, 250, 210))


def _hi_mom(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    cx, cy, r = w // 2, h * 2 // 5, w // 5
    d.ellipse([cx - 2 * r, cy - r, cx, cy + r], fill=(215, 40, 50))
    d.ellipse([cx, cy - r, cx + 2 * r, cy + r], fill=(215, 40, 50))
    d.polygon([(cx - 2 * r + r // 5, cy + r // 3), (cx + 2 * r - r // 5, cy + r // 3), (cx, cy + r * 5 // 2)],
              fill=(215, 40, 50))
    d.rectangle([0, h * 4 // 5, w, h], fill=(120, 90, 50))


def _gods(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    cx = w // 2
    d.ellipse([cx - w // 3, h // 8, cx + w // 3, h // 8 + w * 2 // 3], outline=(240, 190, 60), width=w // 30)
    d.polygon([(cx + w // 12, h // 6), (cx - w // 10, h // 2), (cx + w // 20, h // 2), (cx - w // 12, h * 5 // 6),
               (cx + w // 8, h * 2 // 5), (cx, h * 2 // 5)], fill=(255, 220, 90))


def _avatar(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    for _ in range(14):
        x = rnd.randrange(w)
        d.polygon([(x - w // 12, h), (x, h // 3 + rnd.randrange(h // 3)), (x + w // 12, h)],
                  fill=(10, 70 + rnd.randrange(40), 80 + rnd.randrange(40)))
    for _ in range(50):
        x, y, r = rnd.randrange(w), rnd.randrange(h), w // 60 + rnd.randrange(w // 50)
        colour = (255, 140, 40) if rnd.random() < 0.6 else (120, 230, 255)
        d.ellipse([x - r, y - r, x + r, y + r], fill=colour)


def _lake(d: ImageDraw.ImageDraw, w: int, h: int, rnd: random.Random) -> None:
    d.polygon([(0, h // 2), (w // 3, h // 3), (w // 2, h * 9 // 20), (w * 3 // 4, h // 4), (w, h // 2)],
              fill=(200, 210, 225))
    d.rectangle([0, h // 2, w, h], fill=(170, 195, 220))
    for _ in range(70):
        x, y, r = rnd.randrange(w), rnd.randrange(h), w // 80 + 1
        d.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255))


DEMO_POSTERS: dict[str, tuple[Colour, Colour, Painter]] = {
    "Ne Zha 2": ((120, 10, 20), (250, 110, 30), _ne_zha),
    "The Wandering Earth II": ((5, 8, 30), (30, 40, 90), _wandering_earth),
    "Full River Red": ((60, 5, 10), (150, 40, 30), _full_river_red),
    "Detective Chinatown 1900": ((200, 160, 100), (130, 90, 50), _detective),
    "YOLO": ((255, 120, 80), (160, 30, 90), _yolo),
    "Zootopia 2": ((120, 200, 240), (210, 240, 200), _zootopia),
    "Hi, Mom": ((250, 225, 150), (235, 170, 90), _hi_mom),
    "Creation of the Gods I": ((40, 10, 60), (110, 40, 40), _gods),
    "Avatar: Fire and Ash": ((10, 30, 60), (40, 20, 30), _avatar),
    "The Battle at Lake Changjin": ((120, 140, 170), (230, 235, 245), _lake),
}
"""English title → (sky top, sky bottom, the motif) of each demo film."""


def draw_poster(title_en: str) -> Image.Image:
    """The demo poster of a film (KeyError for a film not in the demo)."""
    top, bottom, paint = DEMO_POSTERS[title_en]
    big = Image.new("RGB", (WIDTH * _SCALE, HEIGHT * _SCALE))
    _gradient(big, top, bottom)
    paint(ImageDraw.Draw(big), big.width, big.height, random.Random(title_en))
    return big.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


def _shipped() -> Path:
    return Path(str(resources.files(__package__).joinpath("posters")))


def install_demo_posters(folder: Path) -> int:
    """Copy the demo's posters into a site's posters folder, keeping any file already there. Returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    copied = 0
    for source in sorted(_shipped().glob("*.png")):
        target = folder / source.name
        if not target.exists():
            shutil.copyfile(source, target)
            copied += 1
    return copied


def main() -> None:
    """Write every demo poster into ``boxoffice/demo/posters/``."""
    out = Path(__file__).with_name("posters")
    out.mkdir(exist_ok=True)
    for title in DEMO_POSTERS:
        draw_poster(title).save(out / f"{slug(title)}.png", optimize=True)
        print(out / f"{slug(title)}.png")


if __name__ == "__main__":
    main()
