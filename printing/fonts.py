"""Finds a font with Chinese glyphs for ticket previews and for printers that print Chinese as images.

Order: an explicit path (a parameter, else the ``BOXOFFICE_CJK_FONT`` environment variable); the Noto Sans CJK
font shipped inside the PyPI package ``cvttf-notosanscjk-regular`` (a project dependency, so no system font is
needed); common system locations (Debian ``fonts-wqy-microhei``, ``fonts-noto-cjk``). Loaded fonts are cached
per path and size.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

ENV_VAR = "BOXOFFICE_CJK_FONT"

SYSTEM_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class FontNotFoundError(LookupError):
    """No CJK font could be found; the message says how to get one."""


def _packaged_font() -> Path | None:
    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for candidate in sorted(Path(folder).glob("*.[ot]t[fc]")):
            return candidate
    return None


def find_cjk_font(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The CJK font file to use.

    Args:
        explicit: a font file to use instead of searching (e.g. from the config); wins over the environment.

    Raises:
        FontNotFoundError: the explicit or ``BOXOFFICE_CJK_FONT`` path does not exist, or nothing was found.
    """
    return _search(str(explicit) if explicit else None, os.environ.get(ENV_VAR) or None)


@lru_cache(maxsize=8)
def _search(explicit: str | None, from_env: str | None) -> Path:
    chosen = explicit or from_env
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise FontNotFoundError(
                f"CJK font {path} does not exist (from {'parameter' if explicit else ENV_VAR})"
            )
        return path
    packaged = _packaged_font()
    if packaged is not None:
        return packaged
    for candidate in SYSTEM_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontNotFoundError(
        f"no CJK font found: pip install cvttf-notosanscjk-regular, install fonts-wqy-microhei, or set {ENV_VAR}"
    )


@lru_cache(maxsize=32)
def _load(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def cjk_font(size: int, explicit: str | os.PathLike[str] | None = None) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels, loaded once per (file, size)."""
    return _load(str(find_cjk_font(explicit)), size)
