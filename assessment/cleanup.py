"""Nothing left behind (the `clean_uploads` command, nightly from cron).

Two kinds of leftovers, both from a worker that died mid-request (killed, out of memory, a
deploy), or a database that refused the commit after the file was written:

- stored files no record owns: a file is written to the upload store before its row commits
  (assessment/services/evidence.py), so a worker killed in between leaves the file alone.
  Every FileField of the app's models counts (evidence, thumbnails, and any stored copy added
  later); only files under those fields' own folders are looked at, and only those older than
  a day, so an upload still on its way to its commit is never touched.
- temporary upload files: Django streams an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE into
  FILE_UPLOAD_TEMP_DIR (the system's temporary folder when unset) as tmp….upload….; a request
  lasts seconds, so one older than an hour was left by a killed worker.

Works through the storage API, so the same for a shared folder and for S3.
"""

import datetime
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

STORED_AGE = datetime.timedelta(days=1)
TEMP_AGE = datetime.timedelta(hours=1)
CHUNK = 500


@dataclass
class Cleaned:
    orphans: list = field(default_factory=list)  # (storage name, size)
    temp_files: list = field(default_factory=list)  # (path, size)

    @property
    def bytes(self):
        return sum(size for _name, size in self.orphans) + sum(size for _path, size in self.temp_files)


def file_fields():
    """[(model, field)] of every FileField of the app's models."""
    return [(model, f) for model in apps.get_app_config("assessment").get_models()
            for f in model._meta.get_fields() if isinstance(f, models.FileField)]


def _top_folder(upload_to):
    return PurePosixPath(str(upload_to)).parts[0] if upload_to and not callable(upload_to) else None


def _walk(storage, folder):
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for name in dirs:
        yield from _walk(storage, f"{folder}/{name}")


def _owned(names, fields):
    """The names among `names` some record's FileField holds."""
    owned = set()
    for model, f in fields:
        for start in range(0, len(names), CHUNK):
            chunk = names[start:start + CHUNK]
            owned.update(model._default_manager.filter(**{f"{f.name}__in": chunk}).values_list(f.name, flat=True))
    return owned


def orphan_files(older_than=STORED_AGE):
    """[(storage, name, size)] of stored files under the FileFields' folders that no record owns
    and that were last written more than `older_than` ago."""
    cutoff = timezone.now() - older_than
    fields = file_fields()
    by_storage = {}
    for _model, f in fields:
        folder = _top_folder(f.upload_to)
        if folder:
            by_storage.setdefault(id(f.storage), (f.storage, set()))[1].add(folder)
    found = []
    for storage, folders in by_storage.values():
        old = [name for folder in sorted(folders) for name in _walk(storage, folder)
               if storage.get_modified_time(name) < cutoff]
        owned = _owned(old, fields)
        found += [(storage, name, storage.size(name)) for name in old if name not in owned]
    return found


def temp_upload_dir():
    return Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())


def stale_temp_uploads(older_than=TEMP_AGE):
    """[Path] of Django's temporary upload files (tmp….upload…) of this user older than `older_than`."""
    cutoff = time.time() - older_than.total_seconds()
    stale = []
    for path in temp_upload_dir().glob("tmp*.upload*"):
        try:
            status = path.lstat()
        except FileNotFoundError:
            continue
        if path.is_file() and not path.is_symlink() and status.st_uid == os.getuid() and status.st_mtime < cutoff:
            stale.append(path)
    return stale


def clean_uploads(*, stored_age=STORED_AGE, temp_age=TEMP_AGE, dry_run=False):
    """Remove (or with dry_run only list) the orphans and the stale temporary files. Returns Cleaned."""
    cleaned = Cleaned()
    for storage, name, size in orphan_files(stored_age):
        if not dry_run:
            storage.delete(name)
        cleaned.orphans.append((name, size))
    for path in stale_temp_uploads(temp_age):
        size = path.stat().st_size
        if not dry_run:
            path.unlink(missing_ok=True)
        cleaned.temp_files.append((str(path), size))
    return cleaned
