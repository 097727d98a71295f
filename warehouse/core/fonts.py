"""The CJK font every page the checker writes shows Chinese with, cut down to the characters it uses.

A browser on a machine without a CJK font (a bare Linux desktop, a locked-down office PC) draws Chinese as empty
boxes, and so does vl-convert when it draws a PNG. The report pages and `warehouse validate`'s index page therefore
carry the font themselves: a subset of Noto Sans CJK SC (SIL Open Font License) holding only the characters the
pages use, embedded as a `data:` URL in an @font-face rule — a few hundred kilobytes instead of 19 MB.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

FONT_FAMILY = "Noto Sans CJK SC"

FONT_STACK = f'"{FONT_FAMILY}", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif'
"""CSS font-family for page text: the embedded font, else the reader's own."""

SYSTEM_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
"""Debian's fonts-noto-cjk and fonts-wqy-*: used when the PyPI font package is missing."""


def font_path() -> Path:
    """The CJK font: the PyPI package noto-cjk-sans-otc (a dependency), else a Debian font package."""
    try:
        import noto_cjk_sans_otc

        packaged = Path(str(noto_cjk_sans_otc.FONT_PATH))
        if packaged.exists():
            return packaged
    except ImportError:
        pass
    for candidate in SYSTEM_FONTS:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        "找不到中文字体，图表中的中文会显示为方框。请运行 pip install noto-cjk-sans-otc（或 apt-get install "
        "fonts-noto-cjk）。 / No CJK font found, Chinese would show as boxes: pip install noto-cjk-sans-otc "
        "(or apt-get install fonts-noto-cjk)."
    )


def _collection_index(font: Path) -> int:
    from fontTools.ttLib import TTCollection

    if font.suffix.lower() not in {".ttc", ".otc"}:
        return -1
    collection = TTCollection(str(font), lazy=True)
    names = [f["name"].getDebugName(1) or "" for f in collection.fonts]
    return next((i for i, name in enumerate(names) if name == FONT_FAMILY), 0)


def subset_font(font: Path, text: str, flavors: tuple[str | None, ...] = ("woff",)) -> list[bytes]:
    """The font cut down to the glyphs of text's characters (and printable ASCII), in each flavor: "woff" for a
    page, None (OpenType) for vl-convert, which lays PNG text out several times faster with it than with the
    whole collection. No layout features are kept: Chinese needs none, and keeping them all (alternates,
    vertical forms) would triple the glyphs."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    index = _collection_index(font)
    loaded = TTFont(str(font), fontNumber=index) if index >= 0 else TTFont(str(font))
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text) | {chr(c) for c in range(32, 127)})))
    subsetter.subset(loaded)
    written = []
    for flavor in flavors:
        buffer = io.BytesIO()
        loaded.flavor = flavor
        loaded.save(buffer)
        written.append(buffer.getvalue())
    return written


def font_face_css(text: str, font: Path | None = None, *, woff: bytes | None = None) -> str:
    """An @font-face rule for FONT_FAMILY with the font subset for text embedded in it (or the WOFF given)."""
    encoded = base64.b64encode(woff or subset_font(font or font_path(), text)[0]).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff;base64,{encoded}) format("woff"); }}'
    )
