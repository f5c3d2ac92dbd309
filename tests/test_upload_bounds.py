"""Uploads cannot exhaust a server (issue 11, finding 4): the pixel cap is read from the
header before anything is decoded, thumbnails are made with bounded memory, and at most
THUMBNAIL_JOBS are made at once in one process.

The memory is measured in a fresh Python process (bench/upload_memory.py): the growth of its
peak resident size while `inspect_upload` runs."""

import io
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessment import uploads
from assessment.services.selfeval import InvalidInput
from assessment.uploads import inspect_upload
from bench.upload_memory import ROOT, measure_in_child, write_png_of_zeros


def test_a_hostile_png_is_refused_before_it_is_decoded(tmp_path):
    path = write_png_of_zeros(tmp_path / "合影.png", 9400, 9400)  # 88 megapixels, 353 MB decoded
    assert path.stat().st_size < 400_000
    figures = measure_in_child(path)
    assert figures["result"] == "refused: “合影.png”的像素过大（不能超过 2000 万像素），无法处理，请缩小后再上传。"
    assert figures["grew_mb"] < 30


def test_the_largest_png_allowed_gets_its_thumbnail_without_a_second_copy(tmp_path):
    path = write_png_of_zeros(tmp_path / "扫描件.png", 5000, 4000)  # 20 megapixels: 80 MB decoded
    figures = measure_in_child(path)
    assert figures["result"].startswith("kept, thumbnail")
    assert figures["grew_mb"] < 120  # decoded once (80 MB), reduced strip by strip


def test_a_48_megapixel_photo_is_decoded_small(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "现场.jpg"
    subprocess.run([sys.executable, "-c", "import sys; from bench.upload_memory import write_image; "
                    f"write_image({str(path)!r}, (8000, 6000), 'RGB', 'JPEG')"], check=True, cwd=ROOT)
    figures = measure_in_child(path)
    assert figures["result"].startswith("kept, thumbnail")
    assert figures["grew_mb"] < 40  # 144 MB if decoded whole


def jpeg_claiming(width, height):
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_pixel_caps_per_format():
    with pytest.raises(InvalidInput, match="不能超过 5000 万像素"):
        inspect_upload(SimpleUploadedFile("a.jpg", jpeg_claiming(9000, 6000)))  # 54 MP
    from tests.test_uploads import png_header_only

    with pytest.raises(InvalidInput, match="不能超过 2000 万像素"):
        inspect_upload(SimpleUploadedFile("a.png", png_header_only(5000, 4100)))  # 20.5 MP


def test_thumbnails_are_made_a_few_at_once(monkeypatch):
    inside, most, lock = [0], [0], threading.Lock()
    real = uploads._thumbnail

    def slow(*args):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.2)
        with lock:
            inside[0] -= 1
        return real(*args)

    monkeypatch.setattr(uploads, "_thumbnail", slow)
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "PNG")
    thumbs = []
    threads = [threading.Thread(target=lambda: thumbs.append(
        inspect_upload(SimpleUploadedFile("p.png", out.getvalue())).thumbnail)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(thumbs) == 6 and all(thumbs)
    assert most[0] == uploads.THUMBNAIL_JOBS == 2


def test_a_thumbnail_that_waits_too_long_is_refused_with_try_again(monkeypatch):
    monkeypatch.setattr(uploads, "THUMBNAIL_WAIT", 0.01)
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "PNG")
    for _ in range(uploads.THUMBNAIL_JOBS):
        uploads._thumbnail_slots.acquire()
    try:
        with pytest.raises(InvalidInput, match="服务器正忙，“p.png”没有上传，请稍后再试。"):
            inspect_upload(SimpleUploadedFile("p.png", out.getvalue()))
    finally:
        for _ in range(uploads.THUMBNAIL_JOBS):
            uploads._thumbnail_slots.release()
