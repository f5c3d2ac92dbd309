"""Backup and restore of the whole installation: the database as Django JSON and the uploads.

A backup is a folder:

    manifest.json     format, app version, time, database engine, applied migrations,
                      rows per model, and the size and SHA-256 of every other file
    data.json.gz      every row of every model (Django's JSON serialization, gzip)
    media/...         every file under MEDIA_ROOT, at the same relative path

JSON rather than a database's own dump, so that a backup taken on SQLite restores on
PostgreSQL and back. Rows keep their primary keys; only references to content types and
permissions (which `migrate` creates anew, under other ids) are written as natural keys.
Content types, permissions, sessions and the admin log are not backed up.

`backup_create` reads the database in one transaction (REPEATABLE READ, READ ONLY on
PostgreSQL; on SQLite the transaction holds the write lock, so saves wait for the dump),
writes into DIR.partial and renames it to DIR only when everything is written.
`backup_restore` checks every checksum before it changes anything, then in one transaction
empties the database (`flush`), loads the rows and resets the sequences, and moves the files
into MEDIA_ROOT only after that transaction committed. Uploads kept elsewhere (S3) are not
part of a backup.
Both raise BackupError, with a message a person can read, on any failure.
"""

import datetime
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
DATA = "data.json.gz"
MEDIA = "media"
CHUNK = 1024 * 1024
# Recreated by `migrate` (under new ids), or not worth keeping.
EXCLUDED = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry",
            "assessment.subtotal", "assessment.total"}  # kept data: the triggers rebuild them as the scores load
# Rows that `migrate` itself creates: a freshly migrated database counts as empty with them.
SEEDED_BY_MIGRATE = {"assessment.audithead"}  # the audit chain's head (migration 0003)
# References to these are written as natural keys, everything else by primary key.
NATURAL_KEY_MODELS = {"contenttypes.contenttype", "auth.permission"}


class BackupError(Exception):
    """A refusal or failure a person can read; one line."""


@dataclass
class BackupResult:
    path: Path
    rows: int
    files: int
    size: int
    missing: list  # media files the database names but MEDIA_ROOT lacks
    external_media: str | None  # the storage backend, when uploads are not under MEDIA_ROOT


@dataclass
class RestoreResult:
    path: Path
    rows: int
    files: int
    flushed: bool


def _one_line(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def backup_models(using="default"):
    """The models a backup holds, in an order that loads (natural-key models first)."""
    app_list = []
    for app_config in apps.get_app_configs():
        chosen = [
            model for model in app_config.get_models()
            if model._meta.label_lower not in EXCLUDED
            and not model._meta.proxy
            and router.allow_migrate_model(using, model)
        ]
        if chosen:
            app_list.append((app_config, chosen))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def app_version():
    """`git describe` of the code, or "unknown" (no git, not a checkout)."""
    try:
        done = subprocess.run(
            ["git", "describe", "--tags", "--always"], cwd=settings.BASE_DIR,
            capture_output=True, text=True, timeout=10, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def _applied_migrations(connection):
    """The migrations applied, from the django_migrations table Django keeps them in (read with a
    plain cursor: the recorder class that writes it is not a documented API)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return sorted(f"{app}.{name}" for app, name in cursor.fetchall())


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashed(source, target):
    """Copy one file, returning (size, sha256) of what was read; the copy is fsynced."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as reader, open(target, "xb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    shutil.copystat(source, target)
    return size, digest.hexdigest()


def _owner_only(root):
    """A backup holds password hashes and personal data: folders 0700, files 0600."""
    os.chmod(root, 0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o600)


def _fsync_file(path):
    with open(path, "rb") as written:
        os.fsync(written.fileno())


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _local_uploads():
    """Whether the uploads are files under MEDIA_ROOT (not, say, in an S3 bucket)."""
    storage = storages["default"]
    return isinstance(storage, FileSystemStorage) and (
        Path(storage.location).resolve() == Path(settings.MEDIA_ROOT).resolve())


def _files_under(root):
    """Relative POSIX paths of the regular files under `root`, sorted."""
    found = []
    if not root.is_dir():
        return found
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            path = Path(folder, name)
            if path.is_file():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


class _Encoder(DjangoJSONEncoder):
    """Django's encoder keeps milliseconds only; a backup keeps a timestamp to the microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time) and o.utcoffset() is None:
            return o.isoformat()
        return super().default(o)


class _Serializer(JSONSerializer):
    """Django's JSON serializer, with natural keys only for content types and permissions."""

    def _natural(self, field):
        return field.remote_field.model._meta.label_lower in NATURAL_KEY_MODELS

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = self._natural(field)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = self._natural(field)
        super().handle_m2m_field(obj, field)


def _queryset(model, using):
    queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
    for m2m in model._meta.many_to_many:
        if not m2m.remote_field.through._meta.auto_created:
            continue  # an explicit through model is backed up as a model of its own
        if m2m.related_model._meta.label_lower == "auth.permission":
            related = m2m.related_model._base_manager.using(using).select_related("content_type")
            queryset = queryset.prefetch_related(models.Prefetch(m2m.name, queryset=related))
        else:
            queryset = queryset.prefetch_related(models.Prefetch(
                m2m.name, queryset=m2m.related_model._base_manager.using(using).only("pk")))
    return queryset


def _file_references(model_list, using):
    """Names of stored files the rows refer to (FileField and ImageField values)."""
    names = set()
    for model in model_list:
        file_fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if file_fields:
            for values in model._base_manager.using(using).values_list(*file_fields).iterator():
                names.update(value for value in values if value)
    return names


def _dump(stream, model_list, using, counts):
    def objects():
        for model in model_list:
            label = model._meta.label_lower
            counts[label] = 0
            for obj in _queryset(model, using).iterator(chunk_size=2000):
                counts[label] += 1
                yield obj

    _Serializer().serialize(objects(), stream=stream, use_natural_foreign_keys=True, cls=_Encoder)


def backup_create(directory, *, using="default"):
    """Write a complete backup into the new folder `directory`. Returns a BackupResult."""
    target = Path(directory).absolute()
    partial = target.with_name(target.name + ".partial")
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(_("备份目录已存在且不为空：%(dir)s") % {"dir": target})
    if target == media_root or media_root in target.parents:
        raise BackupError(_("备份目录不能放在 MEDIA_ROOT（%(media)s）之内。") % {"media": media_root})
    if partial.exists():
        raise BackupError(_("%(dir)s 已存在（上次备份中断？），请先删除。") % {"dir": partial})
    try:
        partial.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        raise BackupError(_("无法创建备份目录：%(error)s") % {"error": _one_line(exc)}) from exc
    try:
        return _backup_into(partial, target, media_root, using)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, BackupError):
            raise
        if isinstance(exc, Exception):
            raise BackupError(_("备份失败，未留下任何文件：%(error)s") % {"error": _one_line(exc)}) from exc
        raise


def _backup_into(partial, target, media_root, using):
    connection = connections[using]
    model_list = backup_models(using)
    counts = {}
    files = {}

    # Connect (and let a health check run its query) before the transaction begins, so
    # that SET TRANSACTION is the transaction's first statement.
    with connection.cursor():
        pass
    outer = connection.in_atomic_block  # inside a caller's transaction (tests): it decides
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        taken_at = timezone.now()
        migrations = _applied_migrations(connection)
        with gzip.open(partial / DATA, "xt", encoding="utf-8") as stream:
            _dump(stream, model_list, using, counts)
        referenced = _file_references(model_list, using)
    _fsync_file(partial / DATA)
    # The files are copied after the snapshot (on SQLite the transaction holds the write lock).
    # An upload is stored before its row commits and deleted only after its row is removed, so
    # every file the snapshot names is there, unless it was missing already or removed since.
    copied = set()
    local = _local_uploads()
    for relative in _files_under(media_root) if local else ():
        try:
            size, digest = _copy_hashed(media_root / relative, partial / MEDIA / relative)
        except FileNotFoundError:
            continue  # deleted while we walked
        files[f"{MEDIA}/{relative}"] = {"size": size, "sha256": digest}
        copied.add(relative)
    files = {DATA: {"size": (partial / DATA).stat().st_size, "sha256": _sha256_file(partial / DATA)}, **files}
    missing = sorted(referenced - copied) if local else []
    manifest = {
        "format": FORMAT,
        "app": "huayu",
        "version": app_version(),
        "created_at": taken_at.isoformat(),
        "database": {"engine": connection.settings_dict["ENGINE"], "vendor": connection.vendor},
        "migrations": migrations,
        "counts": counts,
        "media": "MEDIA_ROOT" if local else storages.backends["default"]["BACKEND"],
        "missing_media": missing,
        "files": files,
    }
    with open(partial / MANIFEST, "x", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=1)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    _owner_only(partial)
    for folder, _dirs, _files in os.walk(partial / MEDIA):
        _fsync_dir(folder)
    _fsync_dir(partial)
    if target.exists():
        target.rmdir()  # the empty folder we were given
    partial.rename(target)
    _fsync_dir(target.parent)
    size = sum(entry["size"] for entry in files.values()) + (target / MANIFEST).stat().st_size
    return BackupResult(path=target, rows=sum(counts.values()), files=len(files) - 1, size=size, missing=missing,
                        external_media=None if local else manifest["media"])


# --- restore ------------------------------------------------------------------


def _read_manifest(source):
    path = source / MANIFEST
    if not source.is_dir():
        raise BackupError(_("找不到备份目录：%(dir)s") % {"dir": source})
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(_("备份不完整：缺少 %(file)s") % {"file": MANIFEST}) from None
    except (OSError, ValueError) as exc:
        raise BackupError(_("无法读取 %(file)s：%(error)s") % {"file": MANIFEST, "error": _one_line(exc)}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(file)s 不是本系统可识别的备份清单。") % {"file": MANIFEST})
    files = manifest.get("files")
    counts = manifest.get("counts")
    if not isinstance(files, dict) or DATA not in files or not isinstance(counts, dict):
        raise BackupError(_("%(file)s 不完整。") % {"file": MANIFEST})
    for name, entry in files.items():
        parts = PurePosixPath(name).parts
        if (PurePosixPath(name).is_absolute() or ".." in parts or not parts or "\\" in name
                or (name != DATA and parts[0] != MEDIA)
                or not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str)):
            raise BackupError(_("%(file)s 中的条目无效：%(name)s") % {"file": MANIFEST, "name": name})
    return manifest


def _verify(source, manifest):
    """Every file listed is there with its size and checksum, and no other file is."""
    listed = manifest["files"]
    present = set(_files_under(source)) - {MANIFEST}
    for name in sorted(set(listed) | present):
        if name not in listed:
            raise BackupError(_("备份中有清单之外的文件：%(name)s") % {"name": name})
        if name not in present:
            raise BackupError(_("备份中缺少文件：%(name)s") % {"name": name})
        path = source / name
        if path.stat().st_size != listed[name].get("size") or _sha256_file(path) != listed[name]["sha256"]:
            raise BackupError(_("校验和不符，备份文件已损坏或被改动：%(name)s") % {"name": name})


def _check_target(manifest, model_list, using, replace):
    """Refuse a target the backup cannot go into. Returns whether it holds data (to be flushed)."""
    connection = connections[using]
    known = {model._meta.label_lower for model in model_list}
    for label in sorted(manifest["counts"]):
        if label not in known:
            raise BackupError(_("备份中的数据表 %(model)s 在本系统中不存在。") % {"model": label})
    try:
        ours, theirs = set(_applied_migrations(connection)), set(manifest.get("migrations") or ())
        if ours != theirs:
            # Rows load into the schema they were dumped from: a data migration in between
            # would be skipped. Restore with the backup's version, then upgrade and migrate.
            only_backup, only_here = sorted(theirs - ours), sorted(ours - theirs)
            raise BackupError(_("备份与本数据库的迁移不一致（%(which)s），请用与备份相同版本的程序恢复后再升级。") % {
                "which": _("备份中有 %s") % only_backup[0] if only_backup else _("本数据库多出 %s") % only_here[0]})
        for model in model_list:
            label = model._meta.label_lower
            if label not in SEEDED_BY_MIGRATE and model._base_manager.using(using).exists():
                if not replace:
                    raise BackupError(_("目标数据库中已有数据（%(model)s），加 --yes 则清空后恢复。")
                                      % {"model": label})
                return True
    except DatabaseError as exc:
        raise BackupError(_("无法读取目标数据库（已运行 migrate 吗？）：%(error)s") % {"error": _one_line(exc)}) from exc
    return False


def _staging_folder(media_root):
    """A new empty folder on the same file system as MEDIA_ROOT, so the final moves are renames."""
    media_root.mkdir(parents=True, exist_ok=True)
    try:
        return Path(tempfile.mkdtemp(prefix=f".{media_root.name}-restore-", dir=media_root.parent))
    except OSError:
        return Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root))


def _reset_sequences(connection):
    """What `sqlsequencereset` prints for every app, executed (a no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def backup_restore(directory, *, replace=False, using="default"):
    """Restore the backup in `directory`. Refuses (BackupError, nothing changed) on a checksum
    mismatch, or when the database holds data and `replace` is false. Returns a RestoreResult."""
    source = Path(directory).absolute()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    manifest = _read_manifest(source)
    _verify(source, manifest)
    model_list = backup_models(using)
    had_data = _check_target(manifest, model_list, using, replace)

    media = sorted(name for name in manifest["files"] if name != DATA)
    if media and not _local_uploads():
        raise BackupError(_("本系统的上传文件不在 MEDIA_ROOT 中（%(backend)s），无法恢复备份中的文件。") % {
            "backend": storages.backends["default"]["BACKEND"]})
    try:
        staging = _staging_folder(media_root)
    except OSError as exc:
        raise BackupError(_("无法在 MEDIA_ROOT 旁建立临时目录：%(error)s") % {"error": _one_line(exc)}) from exc
    try:
        for name in media:
            _size, digest = _copy_hashed(source / name, staging / name)
            if digest != manifest["files"][name]["sha256"]:
                raise BackupError(_("校验和不符，备份文件已损坏或被改动：%(name)s") % {"name": name})
        rows = _load(source / DATA, manifest, model_list, using)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, BackupError) or not isinstance(exc, Exception):
            raise
        raise BackupError(_("恢复失败，数据库未改动：%(error)s") % {"error": _one_line(exc)}) from exc

    # The database committed: now the files.
    try:
        for name in media:
            relative = PurePosixPath(name).relative_to(MEDIA)
            destination = media_root.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staging / name, destination)
    except OSError as exc:
        raise BackupError(_("数据库已恢复，但移动文件到 MEDIA_ROOT 失败（其余文件在 %(staging)s）：%(error)s")
                          % {"staging": staging, "error": _one_line(exc)}) from exc
    shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(path=source, rows=rows, files=len(media), flushed=had_data)


def _load(data, manifest, model_list, using):
    connection = connections[using]
    with transaction.atomic(using=using):
        # Always: also clears the rows `migrate` creates, which the backup holds as they were.
        call_command("flush", interactive=False, database=using, verbosity=0)
        call_command("loaddata", str(data), database=using, verbosity=0)
        _reset_sequences(connection)
        for model in model_list:
            label = model._meta.label_lower
            have = model._base_manager.using(using).count()
            if have != manifest["counts"].get(label, 0):
                raise BackupError(_("恢复后 %(model)s 有 %(have)s 行，备份中有 %(want)s 行；已撤销。")
                                  % {"model": label, "have": have, "want": manifest["counts"].get(label, 0)})
    return sum(manifest["counts"].values())
