"""Getting the bytes of an upload and refusing hostile or foreign files before any reader sees them
(size, zip member sizes and compression ratio), then telling .xlsx, .xls and .docx apart."""

import base64
import io
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .parsed import StandardImportError

MAX_UNZIPPED_BYTES = 20 * 1024 * 1024  # all members of the zip together
MAX_RATIO = 100  # uncompressed / compressed, checked once the content is over 1 MB
MAX_MEMBERS = 500
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (and .doc): an OLE2 compound file


def max_upload_bytes():
    return getattr(settings, "STANDARD_MAX_BYTES", 5 * 1024 * 1024)


def size_text(size):
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    return f"{max(round(size / 1024), 1)} KB"


def encode_bytes(data):
    return base64.b64encode(data).decode("ascii")


def decode_bytes(text):
    return base64.b64decode(text.encode("ascii"))


def read_bytes(source):
    """The bytes of `source` (a path, bytes or a binary file object), at most the upload limit."""
    limit = max_upload_bytes()
    try:
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
        elif isinstance(source, (str, Path)):
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
        else:
            data = source.read(limit + 1)
    except OSError as exc:
        raise StandardImportError(_("无法打开文件：%(error)s") % {"error": exc.strerror or exc}) from exc
    if not isinstance(data, bytes):
        raise StandardImportError(_("无法读取文件：请以二进制方式打开。"))
    if len(data) > limit:
        raise StandardImportError(_("文件超过%(limit)s，不能导入。") % {"limit": size_text(limit)})
    if not data:
        raise StandardImportError(_("文件是空的。"))
    return data


def file_kind(data):
    """'xlsx', 'docx' or 'xls', after the checks that keep a zip bomb away from the readers."""
    if data.startswith(OLE_MAGIC):
        return "xls"
    if not data.startswith(b"PK"):
        raise StandardImportError(_("文件不是Excel（.xlsx、.xls）或Word（.docx）文件，请选择考核标准的表格文件。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            members = archive.infolist()
            if "[Content_Types].xml" not in names:
                raise StandardImportError(_("文件不是Excel（.xlsx）或Word（.docx）文件（是其他格式的压缩包）。"))
            if len(members) > MAX_MEMBERS:
                raise StandardImportError(_("文件结构异常（包含的部件过多），不能导入。"))
            _check_sizes(sum(m.file_size for m in members), sum(m.compress_size for m in members))
            # The sizes in a zip header can lie: count what really comes out.
            actual = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(64 * 1024):
                        actual += len(chunk)
                        if actual > MAX_UNZIPPED_BYTES:
                            _check_sizes(actual, len(data))
            _check_sizes(actual, len(data))
    except StandardImportError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise StandardImportError(_("文件已损坏（无法解压），请重新保存或重新获取文件后再导入。")) from exc
    return "docx" if "word/document.xml" in names else "xlsx"


def _check_sizes(unzipped, zipped):
    if unzipped > MAX_UNZIPPED_BYTES:
        raise StandardImportError(
            _("文件解压后超过%(limit)s，表格过大，不能导入。") % {"limit": size_text(MAX_UNZIPPED_BYTES)}
        )
    if unzipped > 1024 * 1024 and unzipped > MAX_RATIO * max(zipped, 1):
        raise StandardImportError(_("文件压缩比异常（疑似压缩炸弹），不能导入。"))
