"""The mid-size copy of an evidence photo: what an assessor on a phone sees on site, a few
hundred KB instead of a 3 MB original (which opens only when asked for, 查看原图).

Made once, at upload, after assessment.uploads has checked the file (kind, pixel count).
Memory stays bounded for a JPEG: `draft()` lets the decoder scale by 1/2, 1/4 or 1/8 while
reading, so a 4000×3000 photo is decoded at 2000×1500, then `thumbnail()` reduces it.
No database access here.
"""

import io
import struct
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from assessment.uploads import MAX_IMAGE_PIXELS, _flatten, image_slot

MEDIUM_SIZE = 1200  # px on the long side
MEDIUM_QUALITY = 80
MEDIUM_CONTENT_TYPE = "image/jpeg"
# Shown as they are when small enough: every browser draws them.
BROWSER_FORMATS = {"JPEG", "MPO", "PNG"}


def make_medium(upload, kind):
    """JPEG bytes of the photo at most MEDIUM_SIZE px on its long side, upright by its EXIF
    orientation, without metadata; or None: not a photo, already small enough (the original
    serves), or unreadable (assessment.uploads has refused what must be readable).
    Leaves the file at offset 0."""
    if not kind.is_image:
        return None
    upload.seek(0)
    try:
        with image_slot() as free, warnings.catch_warnings():
            if not free:
                return None  # busy: the original serves on site
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS.get(kind.extension, 0):
                    return None
                if max(width, height) <= MEDIUM_SIZE and image.format in BROWSER_FORMATS:
                    return None
                image.draft("RGB", (MEDIUM_SIZE, MEDIUM_SIZE))  # JPEG: decode at 1/2, 1/4 or 1/8
                image.thumbnail((MEDIUM_SIZE, MEDIUM_SIZE))
                image = _flatten(ImageOps.exif_transpose(image))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=MEDIUM_QUALITY, optimize=True, progressive=True)
                return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, UnidentifiedImageError,
            OSError, SyntaxError, ValueError, struct.error, EOFError):
        return None
    finally:
        upload.seek(0)
