"""Uploaded images: checked and re-encoded with Pillow before anything is stored.

The format is decided by opening the bytes with an allowlist of decoders, never by
the file name or the content type the client claims, so an SVG (script in an image)
or an HTML page named ``cat.png`` never gets in. Re-encoding keeps only the pixels:
bytes appended after the image, EXIF (camera location) and other metadata are gone.
"""
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format name → the content type we serve it with.
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
MAX_PIXELS = 40_000_000  # per frame; a 16-bit 8000×5000 photo fits, a bomb does not
MAX_FRAMES = 300
# All frames together: re-encoding paints every frame on the whole canvas, at ~37 ns a
# pixel (Pillow 13), so 30 million pixels cost about a second of CPU. A GIF of a few
# hundred bytes can claim a 4000x4000 canvas: the header says so before any decoding.
MAX_ANIMATION_PIXELS = 30_000_000
MAX_SIDE = 4096  # larger images are scaled down to this long side
THUMB_SIDE = 640  # list pages show this; the permalink shows the full image
# WebP copies for srcset: the column is 640 CSS pixels wide, so one for ordinary
# screens and one for 2x screens. WebP is a third smaller than JPEG at the same look.
WEBP_SIDES = (THUMB_SIDE, 2 * THUMB_SIDE)

NOT_AN_IMAGE = "Upload a PNG, JPEG, GIF or WebP image (SVG and other formats are not accepted)."
DAMAGED = "That image file is damaged or incomplete."
TOO_MANY_PIXELS = f"That image has too many pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels."


class ImageError(ValueError):
    """The upload is not an image we accept; the message says why, for the form."""


@dataclass
class Encoded:
    """One re-encoded image, ready to store."""

    data: bytes
    content_type: str
    width: int
    height: int


@dataclass
class ProcessedImage:
    """An accepted upload: the image, for large ones a thumbnail, and for still ones
    WebP copies at ``WEBP_SIDES`` (never larger than the image), smallest first."""

    image: Encoded
    thumbnail: Encoded | None
    webp: list[Encoded]


def _encode(image, fmt, animated=False):
    out = io.BytesIO()
    options = {"save_all": True} if animated else {}
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        options.update(quality=88, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=85)
    image.save(out, format=fmt, **options)
    return Encoded(out.getvalue(), FORMATS[fmt], image.width, image.height)


def _open(stream):
    """Open and fully decode ``stream`` with the allowed decoders only."""
    try:
        image = Image.open(stream, formats=list(FORMATS))
    except UnidentifiedImageError:
        raise ImageError(NOT_AN_IMAGE) from None
    except Image.DecompressionBombError:
        raise ImageError(TOO_MANY_PIXELS) from None
    # The header is read; refuse a bomb before decoding a single pixel.
    if image.width * image.height > MAX_PIXELS:
        raise ImageError(TOO_MANY_PIXELS)
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES or frames * image.width * image.height > MAX_ANIMATION_PIXELS:
        raise ImageError(f"That animation is too long or too large (at most {MAX_FRAMES} frames).")
    image.load()
    return image


def process_image(stream):
    """Check and re-encode the upload in ``stream``; raise ImageError to refuse it."""
    with warnings.catch_warnings():
        # Pillow warns (and goes on) between its limit and twice it; a warning is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _reencode(_open(stream))
        except ImageError:
            raise
        except Image.DecompressionBombWarning:
            raise ImageError(TOO_MANY_PIXELS) from None
        except Exception:
            # Truncated or corrupt data makes decoders raise OSError, SyntaxError,
            # struct.error and more; whatever it is, the upload is refused, not a 500.
            raise ImageError(DAMAGED) from None


def _reencode(image):
    fmt = image.format
    animated = getattr(image, "is_animated", False)
    if animated:
        if max(image.size) > MAX_SIDE:
            raise ImageError(f"An animated image can be at most {MAX_SIDE} pixels wide and high.")
        full = _encode(image, fmt, animated=True)
        image.seek(0)
        still = image.copy()
    else:
        # Photos taken sideways carry their rotation in EXIF, which re-encoding drops.
        still = ImageOps.exif_transpose(image)
        still.thumbnail((MAX_SIDE, MAX_SIDE))
        full = _encode(still, fmt)
    # An animation's WebP would have to re-encode every frame: it keeps its GIF.
    webp = [] if animated else webp_copies(still)
    thumbnail = None
    if max(still.size) > THUMB_SIDE:
        still.thumbnail((THUMB_SIDE, THUMB_SIDE))
        thumbnail = _encode(still, fmt)
    return ProcessedImage(full, thumbnail, webp)


def webp_copies(image):
    """``image`` in WebP at each of ``WEBP_SIDES`` it is larger than, and at its own
    size when it is smaller than the largest."""
    copies = []
    for side in WEBP_SIDES:
        copy = image.copy()
        copy.thumbnail((side, side))
        copies.append(_encode(copy, "WEBP"))
        if max(image.size) <= side:
            break
    return copies
