"""The typefaces the street-number generator draws with: an explicit list, checked on load.

The list is fixed (not "whatever fc-list finds") so that a seed gives the same images on
every machine that ran scripts/install_fonts.sh. A missing file is an error that names
the Debian packages to install, never a silently smaller set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(os.environ.get("SYNTH_FONT_DIR", "/usr/share/fonts"))  # Debian's font root
CATEGORIES = ("serif", "sans", "condensed", "bold", "rounded", "painted", "mono")
DIGITS = "0123456789"
DIGIT_GLYPH_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
PROBE_SIZE = 64  # font size for the digit checks and the metrics below


@dataclass(frozen=True)
class FontFace:
    path: str  # relative to FONT_DIR
    package: str  # the Debian package that ships it
    category: str  # one of CATEGORIES


def _faces(package: str, category: str, *paths: str) -> list[FontFace]:
    return [FontFace(path, package, category) for path in paths]


# Grouped by style; the order is part of the generator (a font is picked by index).
FONTS: tuple[FontFace, ...] = tuple(
    _faces(
        "fonts-dejavu-core",
        "sans",
        "truetype/dejavu/DejaVuSans.ttf",
    )
    + _faces(
        "fonts-liberation",
        "sans",
        "truetype/liberation/LiberationSans-Regular.ttf",
    )
    + _faces(
        "fonts-urw-base35",
        "sans",
        "opentype/urw-base35/NimbusSans-Regular.otf",
        "opentype/urw-base35/URWGothic-Book.otf",
    )
    + _faces("fonts-freefont-ttf", "sans", "truetype/freefont/FreeSans.ttf")
    + _faces("fonts-roboto-unhinted", "sans", "truetype/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf")
    + _faces("fonts-open-sans", "sans", "truetype/open-sans/OpenSans-Regular.ttf")
    + _faces("fonts-cantarell", "sans", "opentype/cantarell/Cantarell-Regular.otf")
    + _faces("fonts-oxygen", "sans", "truetype/oxygen/Oxygen-Sans.ttf")
    + _faces("fonts-crosextra-carlito", "sans", "truetype/crosextra/Carlito-Regular.ttf")
    + _faces("fonts-b612", "sans", "opentype/b612/B612-Regular.otf")
    + _faces("fonts-go", "sans", "fonts-go/Go-Regular.ttf")
    + _faces("fonts-cabin", "sans", "opentype/cabin/Cabin-Regular.otf")
    + _faces("fonts-clear-sans", "sans", "truetype/clear-sans/ClearSans-Regular.ttf")
    + _faces("fonts-tuffy", "sans", "truetype/tuffy/tuffy_regular.ttf")
    + _faces("fonts-manrope", "sans", "truetype/manrope/Manrope-Medium.ttf")
    + _faces("fonts-play", "sans", "truetype/play/Play-Regular.ttf")
    + _faces("fonts-adf-gillius", "sans", "truetype/adf/GilliusADF-Regular.otf")
    + _faces("fonts-roadgeek", "sans", "truetype/roadgeek/RG2014D.ttf")  # US highway sign lettering
    + _faces("fonts-jura", "sans", "opentype/jura/Jura-Medium.otf")
    # serif
    + _faces("fonts-dejavu-core", "serif", "truetype/dejavu/DejaVuSerif.ttf")
    + _faces("fonts-liberation", "serif", "truetype/liberation/LiberationSerif-Regular.ttf")
    + _faces(
        "fonts-urw-base35",
        "serif",
        "opentype/urw-base35/NimbusRoman-Regular.otf",
        "opentype/urw-base35/C059-Roman.otf",
        "opentype/urw-base35/P052-Roman.otf",
        "opentype/urw-base35/URWBookman-Light.otf",
    )
    + _faces("fonts-freefont-ttf", "serif", "truetype/freefont/FreeSerif.ttf")
    + _faces("fonts-crosextra-caladea", "serif", "truetype/crosextra/Caladea-Regular.ttf")
    + _faces("fonts-roboto-slab", "serif", "opentype/roboto/slab/RobotoSlab-Regular.otf")
    + _faces("fonts-adf-baskervald", "serif", "truetype/adf/BaskervaldADFStd.otf")
    + _faces("fonts-gfs-didot", "serif", "opentype/didot/GFSDidot.otf")
    # bold
    + _faces("fonts-dejavu-core", "bold", "truetype/dejavu/DejaVuSans-Bold.ttf", "truetype/dejavu/DejaVuSerif-Bold.ttf")
    + _faces(
        "fonts-liberation",
        "bold",
        "truetype/liberation/LiberationSans-Bold.ttf",
        "truetype/liberation/LiberationSans-BoldItalic.ttf",
    )
    + _faces(
        "fonts-urw-base35",
        "bold",
        "opentype/urw-base35/NimbusSans-Bold.otf",
        "opentype/urw-base35/C059-Bold.otf",
        "opentype/urw-base35/P052-Bold.otf",
        "opentype/urw-base35/URWBookman-Demi.otf",
        "opentype/urw-base35/URWGothic-Demi.otf",
    )
    + _faces("fonts-freefont-ttf", "bold", "truetype/freefont/FreeSansBold.ttf")
    + _faces("fonts-roboto-unhinted", "bold", "truetype/roboto/unhinted/RobotoTTF/Roboto-Black.ttf")
    + _faces("fonts-open-sans", "bold", "truetype/open-sans/OpenSans-ExtraBold.ttf")
    + _faces("fonts-cantarell", "bold", "opentype/cantarell/Cantarell-ExtraBold.otf")
    + _faces("fonts-league-spartan", "bold", "opentype/league-spartan/LeagueSpartan-Bold.otf")
    + _faces("fonts-clear-sans", "bold", "truetype/clear-sans/ClearSans-Bold.ttf")
    + _faces("fonts-manrope", "bold", "truetype/manrope/Manrope-ExtraBold.ttf")
    + _faces("fonts-roboto-slab", "bold", "opentype/roboto/slab/RobotoSlab-Bold.otf")
    + _faces("fonts-go", "bold", "fonts-go/Go-Bold.ttf")
    + _faces("fonts-lato", "bold", "truetype/lato/Lato-Black.ttf")
    + _faces("fonts-crosextra-carlito", "bold", "truetype/crosextra/Carlito-Bold.ttf")
    # condensed
    + _faces(
        "fonts-dejavu-extra",
        "condensed",
        "truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
        "truetype/dejavu/DejaVuSerifCondensed-Bold.ttf",
    )
    + _faces(
        "fonts-liberation",
        "condensed",
        "truetype/liberation/LiberationSansNarrow-Regular.ttf",
        "truetype/liberation/LiberationSansNarrow-Bold.ttf",
    )
    + _faces("fonts-urw-base35", "condensed", "opentype/urw-base35/NimbusSansNarrow-Bold.otf")
    + _faces(
        "fonts-roboto-unhinted",
        "condensed",
        "truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
        "truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    )
    + _faces("fonts-open-sans", "condensed", "truetype/open-sans/OpenSans-CondBold.ttf")
    + _faces(
        "fonts-yanone-kaffeesatz",
        "condensed",
        "opentype/yanone-kaffeesatz/YanoneKaffeesatz-Regular.otf",
        "opentype/yanone-kaffeesatz/YanoneKaffeesatz-Bold.otf",
    )
    + _faces("fonts-bebas-neue", "condensed", "opentype/bebas-neue/BebasNeue-Regular.otf")
    + _faces("fonts-adf-gillius", "condensed", "truetype/adf/GilliusADF-BoldCond.otf")
    + _faces("fonts-roadgeek", "condensed", "truetype/roadgeek/RG2014B.ttf", "truetype/roadgeek/RG2014C.ttf")
    # rounded
    + _faces(
        "fonts-quicksand",
        "rounded",
        "truetype/quicksand/Quicksand-Regular.ttf",
        "truetype/quicksand/Quicksand-Bold.ttf",
    )
    + _faces(
        "fonts-comfortaa",
        "rounded",
        "truetype/comfortaa/Comfortaa-Regular.ttf",
        "truetype/comfortaa/Comfortaa-Bold.ttf",
    )
    + _faces("fonts-dosis", "rounded", "opentype/dosis/Dosis-Medium.otf", "opentype/dosis/Dosis-ExtraBold.otf")
    + _faces("fonts-averia-gwf", "rounded", "truetype/averia-gwf/AveriaGWF-Regular.ttf")
    + _faces("fonts-staypuft", "rounded", "truetype/staypuft/StayPuft.ttf")
    # painted / script: hand-lettered house numbers (not Humor Sans or Rufscript: their 1 is a short blob)
    + _faces(
        "fonts-comic-neue",
        "painted",
        "opentype/comic-neue/ComicNeue-Regular.otf",
        "opentype/comic-neue/ComicNeue-Bold.otf",
    )
    + _faces("fonts-urw-base35", "painted", "opentype/urw-base35/Z003-MediumItalic.otf")
    + _faces("fonts-dancingscript", "painted", "opentype/dancingscript/DancingScript-Bold.otf")
    + _faces("fonts-lobster", "painted", "opentype/lobster/lobster.otf")
    + _faces("fonts-tomsontalks", "painted", "truetype/tomsontalks/TomsonTalks.ttf")
    + _faces("fonts-breip", "painted", "truetype/breip/Breip.ttf")
    + _faces("fonts-averia-gwf", "painted", "truetype/averia-gwf/AveriaGWF-Bold.ttf")
    # mono
    + _faces("fonts-dejavu-core", "mono", "truetype/dejavu/DejaVuSansMono-Bold.ttf")
    + _faces("fonts-liberation", "mono", "truetype/liberation/LiberationMono-Regular.ttf")
    + _faces("fonts-freefont-ttf", "mono", "truetype/freefont/FreeMonoBold.ttf")
    + _faces("fonts-hack", "mono", "truetype/hack/Hack-Bold.ttf")
    + _faces("fonts-inconsolata", "mono", "truetype/inconsolata/Inconsolata.otf")
    + _faces(
        "fonts-league-mono",
        "mono",
        "opentype/league-mono/LeagueMono-Regular.otf",
        "opentype/league-mono/LeagueMono-CondensedBold.otf",
    )
    + _faces("fonts-urw-base35", "mono", "opentype/urw-base35/NimbusMonoPS-Bold.otf")
    + _faces("fonts-b612", "mono", "opentype/b612/B612Mono-Regular.otf")
    + _faces("fonts-go", "mono", "fonts-go/Go-Mono-Bold.ttf")
)
FONT_PACKAGES: tuple[str, ...] = tuple(sorted({face.package for face in FONTS}))  # what install_fonts.sh installs


class FontsMissingError(FileNotFoundError):
    """Raised when font files of the fixed list are not on this machine (a FileNotFoundError, like missing data)."""


class FontCheckError(RuntimeError):
    """Raised when a listed font does not draw the ten digits as ten distinct shapes."""


def missing_fonts(faces: tuple[FontFace, ...] = FONTS, font_dir: Path = FONT_DIR) -> list[FontFace]:
    return [face for face in faces if not (font_dir / face.path).is_file()]


def missing_fonts_message(missing: list[FontFace], font_dir: Path = FONT_DIR) -> str:
    """Which files are absent, and the one command that installs them."""
    packages = sorted({face.package for face in missing})
    files = "\n".join(f"  {font_dir / face.path}  ({face.package})" for face in missing)
    return (
        f"{len(missing)} of the generator's {len(FONTS)} fonts are missing:\n{files}\n"
        f"Install them with scripts/install_fonts.sh, or: apt-get install {' '.join(packages)}"
    )


def digit_masks(font: ImageFont.FreeTypeFont) -> list[np.ndarray]:
    """Each digit drawn alone, cropped to its ink: bool arrays."""
    masks = []
    for digit in DIGITS:
        left, top, right, bottom = font.getbbox(digit)
        image = Image.new("L", (max(1, right - left), max(1, bottom - top)))
        ImageDraw.Draw(image).text((-left, -top), digit, font=font, fill=255)
        masks.append(np.asarray(image) > 127)
    return masks


def maps_digits_to_digit_glyphs(file: str) -> bool:
    """Symbol fonts (Dingbats) map the code points of 0-9 to pictures: their glyphs are not named zero..nine."""
    cmap = TTFont(file, lazy=True).getBestCmap() or {}
    names = [cmap.get(ord(digit)) for digit in DIGITS]
    if None in names:
        return False
    # Fonts without glyph names get generated ones (glyph00019, uni0030); only real, other names disqualify.
    return all(name == want or name.startswith(("glyph", "uni", "u0")) for name, want in zip(names, DIGIT_GLYPH_NAMES))


def digits_look_distinct(masks: list[np.ndarray], threshold: float = 0.03) -> bool:
    """Real digits differ pairwise in shape; a font missing them draws one box (or nothing) for all ten.

    Shapes are compared at a common 16x24 size, so a digit that differs only in width still counts
    as the same shape; the closest real pair among our fonts (Jura's 5 and 6) differs by 0.055.
    """
    if any(mask.sum() < 4 for mask in masks):
        return False
    shapes = [np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((16, 24), Image.BILINEAR)) for m in masks]
    shapes = [shape.astype(np.float32) / 255.0 for shape in shapes]
    return all(
        np.abs(shapes[i] - shapes[j]).mean() >= threshold for i in range(len(shapes)) for j in range(i + 1, len(shapes))
    )


@dataclass(frozen=True)
class FontInfo:
    face: FontFace
    file: str  # absolute path
    digit_height: float  # ink height of the tallest digit per unit of font size


def check_font(face: FontFace, font_dir: Path = FONT_DIR) -> FontInfo:
    """Load one face, make sure it draws ten distinct digits, and measure its digit height."""
    file = str(font_dir / face.path)
    font = ImageFont.truetype(file, PROBE_SIZE)
    masks = digit_masks(font)
    if not (maps_digits_to_digit_glyphs(file) and digits_look_distinct(masks)):
        raise FontCheckError(f"{file} does not draw the digits 0-9 as distinct glyphs (a symbol font?)")
    height = max(mask.shape[0] for mask in masks)
    return FontInfo(face, file, height / PROBE_SIZE)


@lru_cache(maxsize=4)
def load_fonts(font_dir: Path = FONT_DIR) -> tuple[FontInfo, ...]:
    """All of FONTS, checked; raises FontsMissingError listing what to install."""
    missing = missing_fonts(FONTS, font_dir)
    if missing:
        raise FontsMissingError(missing_fonts_message(missing, font_dir))
    return tuple(check_font(face, font_dir) for face in FONTS)


@lru_cache(maxsize=2048)
def font_at(index: int, size: int) -> ImageFont.FreeTypeFont:
    """FreeType face of FONTS[index] at a pixel size (sizes are bucketed by the caller, so few are kept)."""
    return ImageFont.truetype(load_fonts()[index].file, size)


@lru_cache(maxsize=1)
def fonts_by_category() -> dict[str, tuple[int, ...]]:
    """Indices into FONTS for each category."""
    return {category: tuple(i for i, face in enumerate(FONTS) if face.category == category) for category in CATEGORIES}


if __name__ == "__main__":
    for info in load_fonts():
        print(f"{info.face.category:10s} {info.face.package:26s} {info.face.path}")
    print(f"{len(FONTS)} fonts in {len(FONT_PACKAGES)} packages: {' '.join(FONT_PACKAGES)}")
