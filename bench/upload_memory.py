"""The memory one evidence upload's check and thumbnail take (issue 11, finding 4).

    .venv/bin/python bench/upload_memory.py            # makes the files in bench/out/, measures each
    .venv/bin/python bench/upload_memory.py --measure FILE   # one file, in this process: prints JSON

Each file is measured in a fresh Python process (Django set up, nothing else): the peak
resident size (resource.getrusage ru_maxrss) before and after `inspect_upload`, and the peak
of Python's own allocations (tracemalloc; Pillow's pixel buffers are C memory, counted only
in the resident size). The files:

- hostile.png — 9,400 × 9,400 RGBA, zeros: about 350 KB on disk, 353 MB decoded;
- photo48.jpg — a 48-megapixel phone photo (8,000 × 6,000), a gradient;
- scan20.png — a 20-megapixel RGBA PNG (5,000 × 4,000), the largest PNG allowed.
"""

import json
import os
import resource
import struct
import subprocess
import sys
import time
import tracemalloc
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png_of_zeros(path, width, height):
    """A real RGBA PNG of width × height transparent pixels, compressed row by row: small on
    disk however large, and written without ever holding the picture in memory."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 4)  # filter byte 0, then RGBA zeros
    idat = bytearray()
    for _ in range(height):
        idat += compressor.compress(row)
    idat += compressor.flush()
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)))
        out.write(_chunk(b"IDAT", bytes(idat)))
        out.write(_chunk(b"IEND", b""))
    return path


def write_image(path, size, mode, kind):
    """A gradient picture (in this process: run it in its own, it holds the whole picture)."""
    from PIL import Image

    image = Image.linear_gradient("L").resize(size).convert(mode)
    image.save(path, kind, quality=85) if kind == "JPEG" else image.save(path, kind)
    return path


def measure(path):
    """In this process: {peak_rss_before_mb, peak_rss_after_mb, grew_mb, python_peak_mb, result, seconds}."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huayu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files import File

    from assessment.services.base import ServiceError
    from assessment.uploads import inspect_upload

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        try:
            checked = inspect_upload(File(handle, name=Path(path).name))
            result = f"kept, thumbnail {len(checked.thumbnail or b'')} bytes"
        except ServiceError as error:
            result = f"refused: {error.message}"
    seconds = time.perf_counter() - started
    python_peak = tracemalloc.get_traced_memory()[1]
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"file": Path(path).name, "bytes": Path(path).stat().st_size, "result": result,
            "peak_rss_before_mb": round(before / 1024, 1), "peak_rss_after_mb": round(after / 1024, 1),
            "grew_mb": round((after - before) / 1024, 1), "python_peak_mb": round(python_peak / 2**20, 1),
            "seconds": round(seconds, 2)}


def measure_in_child(path):
    """measure(path) in a fresh Python process; the dict it printed."""
    done = subprocess.run([sys.executable, __file__, "--measure", str(path)], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(sys.argv[2]), ensure_ascii=False))
        return
    OUT.mkdir(exist_ok=True)
    files = [write_png_of_zeros(OUT / "hostile.png", 9400, 9400)]
    for name, size, mode, kind in (("photo48.jpg", (8000, 6000), "RGB", "JPEG"),
                                   ("scan20.png", (5000, 4000), "RGBA", "PNG")):
        code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.upload_memory import write_image; " \
               f"write_image({str(OUT / name)!r}, {size!r}, {mode!r}, {kind!r})"
        subprocess.run([sys.executable, "-c", code], check=True)
        files.append(OUT / name)
    for path in files:
        print(json.dumps(measure_in_child(path), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
