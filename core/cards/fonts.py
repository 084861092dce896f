"""Finding a font with Chinese glyphs, for printed cards and chart images.

Printed text must be embedded with its font, and a PDF or PNG drawn with a Latin-only font
shows empty boxes for every Chinese character, so the font is found (or refused) up front
with a message that says what to install.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from core.errors import ConfigurationError

VARIABLE = "SAFECOMMUNITY_CARD_FONT"
DEBIAN_PACKAGE = "fonts-wqy-zenhei"
# Debian/Ubuntu first (fonts-wqy-zenhei, fonts-wqy-microhei, fonts-noto-cjk), then the paths
# other distributions and macOS use for the same families.
KNOWN_CJK_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/System/Library/Fonts/STHeiti Medium.ttc"),
)


def find_cjk_font(setting: Path | None, *, candidates: Sequence[Path] = KNOWN_CJK_FONTS) -> Path:
    """The configured font (which must exist), else the first known CJK font installed."""
    if setting is not None:
        path = Path(setting).expanduser()
        if not path.is_file():
            raise ConfigurationError(VARIABLE, f"{path} is not a font file that exists")
        return path
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigurationError(
        VARIABLE,
        f"no font with Chinese glyphs found: install the Debian package {DEBIAN_PACKAGE} "
        f"(apt-get install {DEBIAN_PACKAGE}) or point {VARIABLE} at a .ttf/.ttc/.otf font",
    )


@lru_cache(maxsize=8)
def face_index(path: Path) -> int:
    """Which face of a font collection (.ttc) to use: Simplified Chinese, proportional.

    Noto's collection starts with the Japanese face and WenQuanYi's has Mono and Sharp
    variants; a single-face font is index 0.
    """
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection  # fpdf2's dependency; only needed for .ttc

    collection = TTCollection(str(path), lazy=True)
    names = [str(face["name"].getDebugName(1) or "") for face in collection.fonts]
    for wanted in (" SC", "Zen Hei", "Micro Hei"):
        for index, name in enumerate(names):
            if wanted in name and "Mono" not in name and "Sharp" not in name:
                return index
    return 0
