"""assessment.uploads: the type of an evidence file by its content, names, thumbnails.

The small real files below are made here (no binary fixtures); the view tests import them.
"""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessment.services.selfeval import InvalidInput
from assessment.uploads import clean_name, download_name, inspect_upload, KINDS, sniff

# --- small real files -------------------------------------------------------


def png_bytes(size=(40, 30), mode="RGB", color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(64, 48), orientation=None, color=(30, 120, 200)):
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, "JPEG", exif=exif.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png_header_only(width, height):
    """A PNG that claims to be width×height (a decompression bomb, in its header)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def pdf_bytes():
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def ooxml_bytes(part="word/document.xml", extra=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(part, '<?xml version="1.0"?><document/>')
        for name in extra:
            archive.writestr(name, b"x")
    return out.getvalue()


def docx_bytes():
    return ooxml_bytes("word/document.xml")


def ole_bytes(stream="WordDocument"):
    """An OLE compound file whose first directory sector holds Root Entry and `stream`."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HH", header, 0x1A, 0x003E, 0x0003)  # minor, major version
    struct.pack_into("<HH", header, 0x1C, 0xFFFE, 9)  # byte order, sector shift (512)
    struct.pack_into("<I", header, 0x30, 0)  # first directory sector

    def entry(name, kind):
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw[0:len(encoded)] = encoded
        struct.pack_into("<HB", raw, 0x40, len(encoded), kind)
        return bytes(raw)

    directory = entry("Root Entry", 5) + entry(stream, 2) + bytes(256)
    return bytes(header) + directory + bytes(512)


def heic_bytes():
    ftyp = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\x00\x00\x00\x08mdat" + b"\x00" * 64


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- sniffing -----------------------------------------------------------------


@pytest.mark.parametrize("name, data, extension", [
    ("照片.jpg", jpeg_bytes(), "jpg"),
    ("图.png", png_bytes(), "png"),
    ("IMG_0001.HEIC", heic_bytes(), "heic"),
    ("会议记录.pdf", pdf_bytes(), "pdf"),
    ("总结.docx", docx_bytes(), "docx"),
    ("台账.xlsx", ooxml_bytes("xl/workbook.xml"), "xlsx"),
    ("汇报.pptx", ooxml_bytes("ppt/presentation.xml"), "pptx"),
    ("旧文件.doc", ole_bytes("WordDocument"), "doc"),
    ("旧表格.xls", ole_bytes("Workbook"), "xls"),
    ("旧幻灯片.ppt", ole_bytes("PowerPoint Document"), "ppt"),
])
def test_allowed_types_are_known_by_content(name, data, extension):
    checked = inspect_upload(upload(name, data))
    assert checked.kind.extension == extension
    assert checked.original_name == name
    assert checked.size == len(data)


@pytest.mark.parametrize("name, data", [
    ("photo.jpg", EXE),                      # a program renamed .jpg
    ("page.html", HTML),
    ("image.svg", SVG),
    ("image.png", SVG),                      # SVG renamed .png
    ("archive.docx", b"PK\x03\x04" + b"\x00" * 100),  # not even a zip
    ("plain.zip", ooxml_bytes("other/thing.xml")),     # a zip, but no Office part
    ("macro.docx", ooxml_bytes("word/document.xml", extra=("word/vbaProject.bin",))),
    ("setup.doc", ole_bytes("SummaryInformation")),    # an OLE file that is not Word/Excel/PowerPoint
    ("notes.txt", "只是文字".encode()),
    ("clip.gif", b"GIF89a" + b"\x00" * 20),
])
def test_other_content_is_refused_whatever_its_name(name, data):
    with pytest.raises(InvalidInput) as refused:
        inspect_upload(upload(name, data))
    assert "不是允许的文件类型" in refused.value.message


def test_empty_file_is_refused():
    with pytest.raises(InvalidInput, match="空文件"):
        inspect_upload(upload("empty.pdf", b""))


def test_too_large_is_refused_before_reading(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(InvalidInput) as refused:
        inspect_upload(upload("big.pdf", pdf_bytes() + b"\x00" * 200))
    assert "太大" in refused.value.message and "不能超过" in refused.value.message


def test_wrong_extension_is_stored_by_detected_type():
    checked = inspect_upload(upload("scan.jpg", pdf_bytes()))
    assert checked.kind.extension == "pdf" and checked.kind.content_type == "application/pdf"
    assert checked.thumbnail is None
    assert download_name(checked.original_name, checked.kind) == "scan.jpg.pdf"


def test_sniff_leaves_the_file_at_the_start():
    file = upload("a.png", png_bytes())
    sniff(file)
    assert file.read(4) == b"\x89PNG"


# --- names ---------------------------------------------------------------------


def test_clean_name_strips_folders_and_control_characters():
    assert clean_name("C:\\Users\\张三\\Desktop\\党员大会.jpg") == "党员大会.jpg"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("a\x00b\u202ec.pdf") == "abc.pdf"
    assert clean_name("") == "未命名文件"


def test_clean_name_caps_length_keeping_the_extension():
    name = clean_name("长" * 300 + ".docx")
    assert len(name) <= 120 and name.endswith(".docx")


def test_download_name_keeps_a_matching_extension():
    assert download_name("照片.JPEG", KINDS["jpg"]) == "照片.JPEG"
    assert download_name("程序.exe", KINDS["pdf"]) == "程序.exe.pdf"
    assert download_name("无扩展名", KINDS["docx"]) == "无扩展名.docx"


# --- thumbnails ------------------------------------------------------------------


def _thumb(checked):
    return Image.open(io.BytesIO(checked.thumbnail))


def test_photo_gets_a_small_jpeg_thumbnail():
    checked = inspect_upload(upload("大图.png", png_bytes(size=(1000, 500))))
    thumb = _thumb(checked)
    assert thumb.format == "JPEG" and thumb.size == (320, 160)


def test_thumbnail_follows_exif_orientation_and_drops_it():
    # stored 400×200 but taken upright (orientation 6: rotate 90°) → a portrait thumbnail
    checked = inspect_upload(upload("phone.jpg", jpeg_bytes(size=(400, 200), orientation=6)))
    thumb = _thumb(checked)
    assert thumb.size == (160, 320)
    assert 0x0112 not in thumb.getexif()


def test_transparent_png_thumbnail_is_flattened():
    checked = inspect_upload(upload("logo.png", png_bytes(mode="RGBA", color=(0, 0, 0, 0))))
    assert _thumb(checked).getpixel((1, 1)) == (255, 255, 255)


def test_multi_picture_jpeg_from_a_phone_is_a_jpeg():
    out = io.BytesIO()
    first = Image.new("RGB", (200, 100), (10, 10, 10))
    first.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (200, 100))])
    checked = inspect_upload(upload("DSC_0001.JPG", out.getvalue()))
    assert checked.kind.extension == "jpg" and _thumb(checked).size == (200, 100)


def test_sixteen_bit_png_gets_a_thumbnail():
    out = io.BytesIO()
    Image.new("I;16", (50, 40)).save(out, "PNG")
    assert _thumb(inspect_upload(upload("scan.png", out.getvalue()))).mode == "RGB"


def test_heic_is_kept_without_a_thumbnail():
    checked = inspect_upload(upload("IMG_0001.HEIC", heic_bytes()))
    assert checked.kind.content_type == "image/heic" and checked.thumbnail is None


@pytest.mark.parametrize("width, height", [(10_000, 10_000), (30_000, 30_000)])
def test_decompression_bomb_is_refused(width, height):
    with pytest.raises(InvalidInput, match="像素过大"):
        inspect_upload(upload("bomb.png", png_header_only(width, height)))


def test_unreadable_image_is_refused():
    with pytest.raises(InvalidInput, match="已损坏"):
        inspect_upload(upload("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x13" * 200))
