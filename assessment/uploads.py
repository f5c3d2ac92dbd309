"""Checking an uploaded evidence file: what it is by its content (never by its name),
whether it may be kept, and its thumbnail.

Allowed: photos (JPEG, PNG, HEIC/HEIF), PDF, Office files (docx, xlsx, pptx and the old
OLE doc, xls, ppt). Everything else, an empty file or one over settings.EVIDENCE_MAX_BYTES
is refused with InvalidInput (a ServiceError) carrying a Chinese message.

No database access here; the services call `inspect_upload` before they store anything.
"""

import contextlib
import io
import posixpath
import struct
import threading
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from assessment.services.selfeval import InvalidInput

HEAD_BYTES = 8192
THUMB_SIZE = 320
THUMB_CONTENT_TYPE = "image/jpeg"
NAME_MAX = 120
# Beyond this many pixels an image is refused before it is decoded: a small file can declare a
# huge picture (a 335 KB PNG of 9,400 × 9,400 would take 350 MB to decode). Per format, by what
# real evidence is: a JPEG (or HEIC) photo up to 50 megapixels (a 48 MP phone camera), decoded
# at 1/8 of its size for the thumbnail (JPEG draft mode: about 3 MB however large); a PNG is a
# screenshot or a scan, decoded whole (4 bytes a pixel): up to 20 megapixels (an A3 page at
# 300 dpi is 17.4), at most 80 MB while its thumbnail is made.
MAX_IMAGE_PIXELS = {"jpg": 50_000_000, "heic": 50_000_000, "heif": 50_000_000, "png": 20_000_000}
# At most this many thumbnails are made at once in one process (gunicorn runs 8 threads a
# worker): the others wait up to THUMBNAIL_WAIT seconds, then are refused with "try again".
THUMBNAIL_JOBS = 2
THUMBNAIL_WAIT = 30
_thumbnail_slots = threading.BoundedSemaphore(THUMBNAIL_JOBS)

ALLOWED_HINT = "照片（JPG、PNG、HEIC）、PDF 或 Office 文档（Word、Excel、PowerPoint）"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# The stream an old Office file is built around, by extension.
OLE_STREAMS = (
    ("doc", "WordDocument"),
    ("xls", "Workbook"),
    ("xls", "Book"),  # Excel 5/95
    ("ppt", "PowerPoint Document"),
)
OOXML_PARTS = (("docx", "word/"), ("xlsx", "xl/"), ("pptx", "ppt/"))
# What Pillow calls a file the sniffing found to be jpg/png (MPO: a phone's multi-picture JPEG).
PILLOW_FORMATS = {"jpg": ("JPEG", "MPO"), "png": ("PNG",)}
HEIC_BRANDS = {"heic", "heix", "heim", "heis", "hevc", "hevx"}
HEIF_BRANDS = {"mif1", "msf1"}


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    label: str
    inline: bool  # shown in the browser (images, PDF) rather than downloaded

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


KINDS = {
    kind.extension: kind
    for kind in (
        FileKind("jpg", "image/jpeg", "JPG", True),
        FileKind("png", "image/png", "PNG", True),
        FileKind("heic", "image/heic", "HEIC", True),
        FileKind("heif", "image/heif", "HEIF", True),
        FileKind("pdf", "application/pdf", "PDF", True),
        FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word", False),
        FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", False),
        FileKind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPT", False),
        FileKind("doc", "application/msword", "Word", False),
        FileKind("xls", "application/vnd.ms-excel", "Excel", False),
        FileKind("ppt", "application/vnd.ms-powerpoint", "PPT", False),
    )
}
KINDS_BY_CONTENT_TYPE = {kind.content_type: kind for kind in KINDS.values()}
EXTENSION_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "jfif": "jpg"}


@dataclass(frozen=True)
class CheckedUpload:
    """What `inspect_upload` found: the kind, the name to show, the size and the thumbnail (JPEG bytes or None)."""

    kind: FileKind
    original_name: str
    size: int
    thumbnail: bytes | None


def kind_for(content_type):
    """The FileKind of a stored content type (for serving and display), or None."""
    return KINDS_BY_CONTENT_TYPE.get(content_type)


def clean_name(name):
    """The user's file name for display only: no folders, no control characters, a sane length."""
    name = (name or "").replace("\\", "/")
    name = posixpath.basename(name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        return _("未命名文件")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: NAME_MAX - len(ext) - 2] + "…." + ext
        else:
            name = name[: NAME_MAX - 1] + "…"
    return name


def download_name(original_name, kind):
    """The name offered on download: the original, but always ending in the detected type's extension."""
    stem, dot, ext = original_name.rpartition(".")
    ext = ext.lower()
    if dot and stem and EXTENSION_ALIASES.get(ext, ext) == kind.extension:
        return original_name
    return f"{original_name}.{kind.extension}"


def inspect_upload(upload, *, max_bytes=None):
    """Check an UploadedFile; return a CheckedUpload or raise InvalidInput. Leaves the file at offset 0."""
    max_bytes = settings.EVIDENCE_MAX_BYTES if max_bytes is None else max_bytes
    original_name = clean_name(getattr(upload, "name", ""))
    size = upload.size
    if not size:
        raise InvalidInput(_("“%(name)s”是空文件，请重新选择。") % {"name": original_name})
    if size > max_bytes:
        raise InvalidInput(_("“%(name)s”太大（%(size)s），每个文件不能超过 %(max)s。") % {
            "name": original_name, "size": filesizeformat(size), "max": filesizeformat(max_bytes),
        })
    kind = sniff(upload)
    if kind is None:
        raise InvalidInput(_("“%(name)s”不是允许的文件类型。只能上传%(allowed)s。") % {
            "name": original_name, "allowed": ALLOWED_HINT,
        })
    thumbnail = None
    if kind.is_image:
        thumbnail = make_thumbnail(upload, kind, original_name)
    upload.seek(0)
    return CheckedUpload(kind=kind, original_name=original_name, size=size, thumbnail=thumbnail)


def sniff(upload):
    """The allowed FileKind this file's content is, or None."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if not head:
        return None
    if head.startswith(ZIP_MAGIC):
        return _sniff_ooxml(upload)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(upload)
    heif = _sniff_heif(head)
    if heif:
        return KINDS[heif]
    guess = filetype.guess(head)
    if guess is None:
        return None
    if guess.extension in ("jpg", "png", "apng"):  # an animated PNG is still a PNG
        return KINDS["png" if guess.extension == "apng" else guess.extension]
    if guess.extension == "pdf" and head.removeprefix(b"\xef\xbb\xbf").startswith(b"%PDF-"):
        return KINDS["pdf"]
    return None


def _sniff_ooxml(upload):
    """docx/xlsx/pptx: a zip package with [Content_Types].xml and a word/, xl/ or ppt/ part.
    Macro-enabled files (vbaProject.bin) are refused."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    for extension, prefix in OOXML_PARTS:
        if any(name.startswith(prefix) for name in names):
            return KINDS[extension]
    return None


def _sniff_ole(upload):
    """doc/xls/ppt: an OLE compound file (D0CF11E0…) with a WordDocument, Workbook/Book or
    PowerPoint Document stream. Other OLE files (installers .msi, …) are refused.

    A directory entry is 128 bytes at a 128-byte boundary: the name in UTF-16LE, at 0x40 its
    length in bytes with the terminator, at 0x42 the object type (2 = stream)."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if len(data) < 1024:
        return None
    for extension, stream in OLE_STREAMS:
        needle = stream.encode("utf-16-le") + b"\x00\x00"
        start = 512
        while True:
            at = data.find(needle, start)
            if at < 0:
                break
            if at % 128 == 0 and at + 0x43 <= len(data):
                name_len, kind = struct.unpack_from("<HB", data, at + 0x40)
                if name_len == len(needle) and kind == 2:
                    return KINDS[extension]
            start = at + 1
    return None


def _sniff_heif(head):
    """'heic' or 'heif' for an ISO-BMFF file whose ftyp brands say HEIF; else None (AVIF is not allowed)."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    box_len = struct.unpack(">I", head[0:4])[0]
    if box_len < 16 or box_len > len(head):
        return None
    major = head[8:12].decode("latin-1")
    compatible = {head[i:i + 4].decode("latin-1") for i in range(16, box_len - 3, 4)}
    if major in HEIC_BRANDS:
        return "heic"
    if major in HEIF_BRANDS and not compatible & {"avif", "avis"}:
        return "heic" if compatible & HEIC_BRANDS else "heif"
    return None


def make_thumbnail(upload, kind, original_name):
    """A JPEG thumbnail (at most THUMB_SIZE px, upright by its EXIF orientation, no metadata).

    JPEG/PNG that Pillow cannot read, or that have more pixels than MAX_IMAGE_PIXELS allows
    their format (read from the header, before anything is decoded), are refused.
    HEIC/HEIF are kept without a thumbnail when Pillow cannot read them (no HEIF plug-in).
    At most THUMBNAIL_JOBS are made at once per process."""
    with image_slot() as free:
        if not free:
            raise InvalidInput(_("服务器正忙，“%(name)s”没有上传，请稍后再试。") % {"name": original_name})
        return _thumbnail(upload, kind, original_name)


@contextlib.contextmanager
def image_slot():
    """One of the THUMBNAIL_JOBS places for decoding a picture in this process; yields False
    when none came free within THUMBNAIL_WAIT seconds."""
    free = _thumbnail_slots.acquire(timeout=THUMBNAIL_WAIT)
    try:
        yield free
    finally:
        if free:
            _thumbnail_slots.release()


def _thumbnail(upload, kind, original_name):
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if kind.extension in PILLOW_FORMATS and image.format not in PILLOW_FORMATS[kind.extension]:
                    raise UnidentifiedImageError(image.format)
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS[kind.extension]:
                    raise Image.DecompressionBombError(f"{width}x{height}")
                # JPEG: decoded at the smallest scale (1/2, 1/4, 1/8) still at least twice the
                # thumbnail, never whole. PNG: decoded whole (the pixel cap bounds it), then
                # reduced strip by strip, so no second full-size copy is made.
                image.draft("RGB", (THUMB_SIZE * 2, THUMB_SIZE * 2))
                image.load()
                small = _reduced(image)
                if "exif" in image.info:
                    small.info["exif"] = image.info["exif"]  # the orientation, for exif_transpose
                small.thumbnail((THUMB_SIZE, THUMB_SIZE))
                image = ImageOps.exif_transpose(small)
                out = io.BytesIO()
                image.save(out, "JPEG", quality=82, optimize=True)
                return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        if kind.extension not in PILLOW_FORMATS:
            return None
        raise InvalidInput(_("“%(name)s”的像素过大（不能超过 %(megapixels)s 万像素），无法处理，请缩小后再上传。") % {
            "name": original_name, "megapixels": MAX_IMAGE_PIXELS[kind.extension] // 10_000})
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error, EOFError):
        if kind.extension not in PILLOW_FORMATS:
            return None
        raise InvalidInput(_("“%(name)s”已损坏或不是有效的图片，无法读取。") % {"name": original_name})
    finally:
        upload.seek(0)


STRIP_PIXELS = 1_000_000  # pixels of the picture reduced at a time


def _reduced(image, size=THUMB_SIZE * 2):
    """An RGB copy of the loaded `image`, reduced by a whole factor to at least `size` px (twice
    the thumbnail), made strip by strip (each strip flattened and reduced on its own)."""
    width, height = image.size
    factor = max(1, min(width, height) // size)
    rows = max(1, STRIP_PIXELS // (width * factor)) * factor
    out = Image.new("RGB", (-(-width // factor), -(-height // factor)), (255, 255, 255))
    for top in range(0, height, rows):
        strip = _flatten(image.crop((0, top, width, min(top + rows, height))))
        out.paste(strip.reduce(factor) if factor > 1 else strip, (0, top // factor))
    return out


def _flatten(image):
    """RGB for JPEG: transparency onto white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    if image.mode != "RGB":
        return image.convert("RGB")
    return image
