"""Where a film's poster is: a naming rule over one folder, so that a site adds posters by copying files.

The kiosk's ``[kiosk] posters_dir`` holds one image per film, named after the film's English title as a slug
(``Ne Zha 2`` → ``ne-zha-2.png``) or, for films without an English title, after the Chinese title
(``哪吒之魔童闹海.png``). PNG, JPEG and WebP are looked for, in that order. A film with no file gets a title card.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(title: str) -> str:
    """A file name for a title: ASCII lower case, words joined by dashes (``Avatar: Fire and Ash`` →
    ``avatar-fire-and-ash``); empty for a title without Latin letters or digits."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SLUG.sub("-", folded).strip("-")


def poster_names(title_en: str, title_zh: str) -> tuple[str, ...]:
    """The file names (without extension) a film's poster may have, the preferred first."""
    names = [slug(title_en), title_zh.strip().replace("/", "_")]
    return tuple(dict.fromkeys(name for name in names if name))


def find_poster(folder: Path, *, title_en: str, title_zh: str) -> Path | None:
    """The poster file of a film in ``folder``, or None when it has none (or the folder does not exist)."""
    if not folder.is_dir():
        return None
    for name in poster_names(title_en, title_zh):
        for extension in EXTENSIONS:
            candidate = folder / f"{name}{extension}"
            if candidate.is_file():
                return candidate
    return None
