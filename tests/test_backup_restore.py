"""python manage.py backup DIR / restore DIR [--yes] (assessment/backups.py).

Transactional tests: backup and restore run their own transactions, as they do in production."""

import datetime
import gzip
import json
import os
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from assessment.audit import guard_installed
from assessment.backups import SEEDED_BY_MIGRATE, backup_models
from assessment.models import AuditLog, Evidence, Item, Rectification, Score, User
from assessment.services.base import audit

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n% evidence of the branch meeting\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"thumbnail bytes" * 20 + b"\xff\xd9"


@pytest.fixture
def filled(cast):
    """The cast, with scores, a rectification, an evidence file (and thumbnail), a group with a
    permission and an audit record."""
    scores = list(cast.assessment.scores.order_by("item__number")[:3])
    for score, value in zip(scores, ("2", "1.5", "0")):
        score.self_score = Decimal(value)
        score.onsite_score = Decimal(value)
        score.self_note = "按要求召开“三会一课”"
        score.save()
    scores[2].needs_rectification = True
    scores[2].deduction_reason = "记录不全"
    scores[2].save()
    cast.rectification = Rectification.objects.create(
        assessment=cast.assessment, item=scores[2].item, problem="会议记录不全", requirement="补齐记录",
        deadline=datetime.date(2026, 6, 30), responsible="张三",
    )
    evidence = Evidence(
        assessment=cast.assessment, item=scores[0].item, original_name="支部会议记录.pdf",
        content_type="application/pdf", size=len(PDF), uploaded_by=cast.carol,
    )
    evidence.file.save("e1.pdf", ContentFile(PDF), save=False)
    evidence.thumbnail.save("e1.jpg", ContentFile(JPEG), save=False)
    evidence.save()
    cast.evidence = evidence
    group = Group.objects.create(name="审阅")
    group.permissions.add(Permission.objects.get(codename="view_score"))
    cast.carol.groups.add(group)
    cast.bob.user_permissions.add(Permission.objects.get(codename="change_score"))
    audit(actor=cast.bob, action="onsite_score", assessment=cast.assessment, item=scores[0].item,
          field="onsite_score", old=None, new="2")
    return cast


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def snapshot():
    """Every backed-up row (primary keys included), and the memberships by name."""
    rows = {model._meta.label_lower: list(model._base_manager.order_by("pk").values())
            for model in backup_models()}
    for row in rows["assessment.assessment"]:
        # kept by the database: a new random value on every write the pages show, restoring included
        # (assessment/versions.py), so a page kept before the restore is never shown after it
        row.pop("render_version")
    rows["groups"] = sorted(User.groups.through.objects.values_list("user__username", "group__name"))
    rows["group_permissions"] = sorted(Group.permissions.through.objects.values_list(
        "group__name", "permission__content_type__app_label", "permission__codename"))
    rows["user_permissions"] = sorted(User.user_permissions.through.objects.values_list(
        "user__username", "permission__content_type__app_label", "permission__codename"))
    return rows


def media_files():
    root = settings.MEDIA_ROOT
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_backup_writes_data_media_and_manifest(filled, tmp_path):
    target = tmp_path / "backup"
    line = run("backup", str(target))
    rows = sum(len(v) for k, v in snapshot().items() if "." in k)
    assert line.startswith(f"已备份到 {target}：{rows} 行数据，2 个文件，共 ")
    assert sorted(p.name for p in target.iterdir()) == ["data.json.gz", "manifest.json", "media"]
    assert not (tmp_path / "backup.partial").exists()
    assert (target / "media" / filled.evidence.file.name).read_bytes() == PDF
    assert (target / "media" / filled.evidence.thumbnail.name).read_bytes() == JPEG

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"]
    assert manifest["database"]["engine"] == settings.DATABASES["default"]["ENGINE"]
    assert manifest["counts"]["assessment.score"] == Score.objects.count()
    assert manifest["counts"]["assessment.evidence"] == 1
    assert "contenttypes.contenttype" not in manifest["counts"]
    assert "auth.permission" not in manifest["counts"]
    assert set(manifest["files"]) == {
        "data.json.gz", f"media/{filled.evidence.file.name}", f"media/{filled.evidence.thumbnail.name}"}
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())
    assert manifest["missing_media"] == []

    with gzip.open(target / "data.json.gz", "rt", encoding="utf-8") as data:
        objects = json.load(data)
    bob = next(o for o in objects if o["model"] == "assessment.user" and o["fields"]["username"] == "bob")
    assert bob["fields"]["user_permissions"] == [["change_score", "assessment", "score"]]  # natural key
    assert bob["fields"]["township"] == filled.township.pk  # everything else by primary key


def empty_as_after_migrate():
    """The database as `migrate` leaves it: no data, but the rows migrations create."""
    call_command("flush", interactive=False, verbosity=0)
    for label in SEEDED_BY_MIGRATE:
        apps.get_model(label).objects.create()


@pytest.mark.parametrize("empty_with", ["migrate", "--yes"])
def test_round_trip(filled, tmp_path, empty_with):
    before, files_before = snapshot(), media_files()
    run("backup", str(tmp_path / "backup"))

    # Change things after the backup: the restore must bring back exactly the backup.
    Score.objects.filter(assessment=filled.assessment).update(onsite_score=None)
    audit(actor=filled.alice, action="later")
    filled.evidence.file.storage.delete(filled.evidence.file.name)
    if empty_with == "migrate":
        empty_as_after_migrate()
        line = run("restore", str(tmp_path / "backup"))
    else:
        line = run("restore", str(tmp_path / "backup"), "--yes")

    rows = sum(len(v) for k, v in before.items() if "." in k)
    flushed = "（原有数据已清空）" if empty_with == "--yes" else ""
    assert line == f"已从 {tmp_path / 'backup'} 恢复：{rows} 行数据，2 个文件{flushed}"
    assert snapshot() == before
    assert media_files() == files_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "media"]  # no staging folder left
    assert User.objects.get(username="carol").check_password("pw-for-tests-9")
    # the audit chain comes back whole, and the database still refuses to change it
    run("verify_audit")
    assert guard_installed(connection)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.update(note="改写")


def test_restore_resets_sequences(filled, tmp_path):
    run("backup", str(tmp_path / "backup"))
    run("restore", str(tmp_path / "backup"), "--yes")  # the flush restarts every sequence at 1

    item = Item.objects.create(standard=filled.standard, area=filled.standard.areas.first(), number=99,
                               content="新增项目", points=Decimal("1"))
    assert item.pk > Item.objects.exclude(pk=item.pk).latest("pk").pk
    score = Score.objects.create(assessment=filled.assessment, item=item, points=item.points)
    assert score.pk > Score.objects.exclude(pk=score.pk).latest("pk").pk
    record = audit(actor=filled.alice, action="after_restore")
    assert record.pk > AuditLog.objects.exclude(pk=record.pk).latest("pk").pk
    filled.dave.groups.add(Group.objects.get(name="审阅"))  # memberships (m2m rows) too
    assert User.groups.through.objects.latest("pk").user_id == filled.dave.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's snapshot isolation")
def test_backup_reads_one_repeatable_read_snapshot(filled, tmp_path):
    with CaptureQueriesContext(connection) as queries:
        run("backup", str(tmp_path / "backup"))
    assert [q["sql"] for q in queries.captured_queries[:2]] == [
        "BEGIN", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"]


def test_tampered_file_refused_naming_it_and_nothing_changes(filled, tmp_path):
    run("backup", str(tmp_path / "backup"))
    tampered = tmp_path / "backup" / "media" / filled.evidence.file.name
    tampered.write_bytes(PDF.replace(b"meeting", b"MEETING"))  # same size, other bytes
    audit(actor=filled.alice, action="after_backup")
    before, files_before = snapshot(), media_files()

    with pytest.raises(CommandError, match=f"校验和不符.*media/{filled.evidence.file.name}$"):
        run("restore", str(tmp_path / "backup"), "--yes")
    assert snapshot() == before
    assert media_files() == files_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "media"]


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "manifest.json").unlink(), "缺少 manifest.json"),
    (lambda d: (d / "data.json.gz").write_bytes(b"\x1f\x8b"), "校验和不符.*data.json.gz"),
    (lambda d: (d / "media" / "extra.txt").write_text("x"), "清单之外的文件：media/extra.txt"),
    (lambda d: next((d / "media" / "thumbs").rglob("*.jpg")).unlink(), "缺少文件：media/thumbs/"),
])
def test_damaged_backup_refused(filled, tmp_path, damage, message):
    run("backup", str(tmp_path / "backup"))
    damage(tmp_path / "backup")
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        run("restore", str(tmp_path / "backup"), "--yes")
    assert snapshot() == before


def test_restore_into_database_with_data_needs_yes(filled, tmp_path):
    run("backup", str(tmp_path / "backup"))
    audit(actor=filled.alice, action="after_backup")
    before = snapshot()
    with pytest.raises(CommandError, match="目标数据库中已有数据.*--yes"):
        run("restore", str(tmp_path / "backup"))
    assert snapshot() == before


@pytest.mark.parametrize("change, message", [
    (lambda ms: ms.append("assessment.9999_from_the_future"), "备份中有 assessment.9999_from_the_future"),
    (lambda ms: ms.remove("assessment.0001_initial"), "本数据库多出 assessment.0001_initial"),
])
def test_backup_of_another_schema_refused(filled, tmp_path, change, message):
    run("backup", str(tmp_path / "backup"))
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    change(manifest["migrations"])
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    empty_as_after_migrate()
    with pytest.raises(CommandError, match=f"迁移不一致（{message}）"):
        run("restore", str(tmp_path / "backup"))
    assert AuditLog.objects.count() == 0


def test_failed_load_rolls_back_and_moves_no_file(filled, tmp_path):
    """The rows are checked against the manifest's counts inside the load's transaction."""
    run("backup", str(tmp_path / "backup"))
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["counts"]["assessment.score"] += 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    filled.evidence.file.storage.delete(filled.evidence.file.name)
    audit(actor=filled.alice, action="after_backup")
    before, files_before = snapshot(), media_files()

    with pytest.raises(CommandError, match="assessment.score.*已撤销"):
        run("restore", str(tmp_path / "backup"), "--yes")
    assert snapshot() == before  # the flush was undone with the load
    assert media_files() == files_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "media"]


def test_backup_into_non_empty_folder_refused(filled, tmp_path):
    target = tmp_path / "backup"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(CommandError, match=f"备份目录已存在且不为空：{target}"):
        run("backup", str(target))
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert not (tmp_path / "backup.partial").exists()


def test_backup_into_empty_folder_works(filled, tmp_path):
    (tmp_path / "backup").mkdir()
    run("backup", str(tmp_path / "backup"))
    assert (tmp_path / "backup" / "manifest.json").is_file()


def test_backup_inside_media_root_refused(filled, tmp_path):
    with pytest.raises(CommandError, match="MEDIA_ROOT"):
        run("backup", str(settings.MEDIA_ROOT / "backup"))


def test_failed_backup_leaves_nothing(filled, tmp_path, monkeypatch):
    def disk_full(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("assessment.backups._copy_hashed", disk_full)
    with pytest.raises(CommandError, match="备份失败.*No space left on device"):
        run("backup", str(tmp_path / "backup"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media"]


def test_missing_upload_is_reported(filled, tmp_path):
    filled.evidence.file.storage.delete(filled.evidence.file.name)
    err = StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=StringIO(), stderr=err)
    assert f"数据库引用的文件不在 MEDIA_ROOT 中：{filled.evidence.file.name}" in err.getvalue()
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["missing_media"] == [filled.evidence.file.name]


def test_uploads_outside_media_root(filled, tmp_path, settings):
    """With the uploads in an object store, the backup holds the database only and says so;
    a backup with files is not restored into such an installation."""
    run("backup", str(tmp_path / "with-files"))
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}

    err = StringIO()
    call_command("backup", str(tmp_path / "database-only"), stdout=StringIO(), stderr=err)
    assert "上传文件存放在 django.core.files.storage.InMemoryStorage，未包含在本备份中" in err.getvalue()
    manifest = json.loads((tmp_path / "database-only" / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["files"]) == ["data.json.gz"]
    assert manifest["media"] == "django.core.files.storage.InMemoryStorage"

    with pytest.raises(CommandError, match="上传文件不在 MEDIA_ROOT 中.*InMemoryStorage"):
        run("restore", str(tmp_path / "with-files"), "--yes")
    assert run("restore", str(tmp_path / "database-only"), "--yes").endswith("0 个文件（原有数据已清空）")


def test_a_backup_is_readable_by_its_owner_only(filled, tmp_path):
    """It holds password hashes and personal data: folders 0700, files 0600, whatever the umask."""
    import stat

    old = os.umask(0o022)
    try:
        call_command("backup", str(tmp_path / "backup"), stdout=StringIO())
    finally:
        os.umask(old)
    root = tmp_path / "backup"
    modes = {str(path.relative_to(tmp_path)): stat.S_IMODE(path.stat().st_mode)
             for path in [root, *root.rglob("*")]}
    assert any(name.endswith(".jpg") for name in modes), modes
    for name, mode in modes.items():
        assert mode == (0o700 if (tmp_path / name).is_dir() else 0o600), (name, oct(mode))


def test_a_photos_mid_size_copy_is_backed_up_restored_and_missed(filled, tmp_path):
    """The mid-size copy (Evidence.medium) is a file of its own: in the backup, back after a
    restore, and reported missing when it is gone."""
    filled.evidence.medium.save("e1-medium.jpg", ContentFile(JPEG * 2))
    name = filled.evidence.medium.name
    assert name.startswith("medium/")
    run("backup", str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert f"media/{name}" in manifest["files"]
    assert (tmp_path / "backup" / "media" / name).read_bytes() == JPEG * 2

    filled.evidence.medium.storage.delete(name)
    Evidence.objects.filter(pk=filled.evidence.pk).update(medium="")
    run("restore", str(tmp_path / "backup"), "--yes")
    assert Evidence.objects.get(pk=filled.evidence.pk).medium.name == name
    assert media_files()[name] == JPEG * 2

    filled.evidence.medium.storage.delete(name)
    run("backup", str(tmp_path / "again"))
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["missing_media"] == [name]
