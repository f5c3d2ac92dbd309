"""The admin walked the way the pages are (tests/test_permissions.py): every changelist, add,
change, delete and history URL of every model the admin shows, read and posted with the rows
of another township (tests/admin_cast.py), by each role:

    alice  township admin of 化峪镇: never sees a row of 其他镇 and writes nothing, whatever
           ids she posts (a form error, "does not exist", 403 or 404)
    bob    assessor, carol  secretary: sent to the admin's login, nothing written
    root   superuser: may change what the admin lets anyone change, and every change writes an
           audit record; the records the services own are not changed at all

Each request runs in a savepoint rolled back afterwards, against a fingerprint of every row
of every model the admin shows.
"""

import datetime
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from assessment.admin import choices_for
from assessment.models import AuditHead, AuditLog, Subtotal
from tests.admin_cast import FOREIGN_MARKERS, build, of_model
from tests.test_permissions import ADMIN, admin_model_of

VIEWS = ("changelist", "add", "change", "delete", "history")
# Changed only through the services: nobody writes them in the admin.
SERVICE_OWNED = {"assessment", "score", "vetofinding", "bonusclaim", "rectification", "evidence", "auditlog", "item",
                 "spotcheck", "spotsample", "spotscore"}
MODELS = sorted({admin_model_of(p.name) for p in ADMIN if admin_model_of(p.name)}, key=lambda m: m._meta.label)


def fingerprint():
    """Every row of every model the admin shows (and the kept subtotals), as values."""
    rows = []
    for model in [*MODELS, Subtotal, AuditHead]:
        rows.append(tuple(model._default_manager.order_by("pk").values_list()))
    return tuple(rows)


def _value(field, value):
    if isinstance(value, bool):
        return "on" if value else None
    if value is None:
        return ""
    if isinstance(value, list):  # many-to-many: rows
        return [getattr(v, "pk", v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def form_data(obj, new):
    """The row's own values as a form would post them; for an add, its texts made unique."""
    data = {}
    fields = {f.name: f for f in obj._meta.get_fields() if hasattr(f, "attname")}
    for name, value in model_to_dict(obj).items():
        field = fields.get(name)
        if isinstance(field, models.FileField):
            continue  # a stored file is not posted back as a value (an empty one cannot be)
        if isinstance(field, models.DateTimeField) and value:
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        if new and isinstance(field, (models.CharField, models.TextField)) and not field.choices and value:
            value = f"{value}新"
        value = _value(field, value)
        if value is not None:
            data[name] = value
    if obj._meta.model_name == "user":
        data.update(password1="Huayu-walker-2026", password2="Huayu-walker-2026", usable_password="true")
    return data


def with_foreign_ids(own, foreign, read_only=()):
    """`own` row's form data with every foreign key set to what `foreign` points at, or None
    when none differs (a field read-only to the caller is no choice of theirs: not posted)."""
    data, changed = form_data(own, new=False), False
    for name in read_only:
        data.pop(name, None)
    for field in own._meta.concrete_fields:
        if field.is_relation and field.name in data and getattr(foreign, field.attname) != getattr(own, field.attname):
            data[field.name] = getattr(foreign, field.attname)
            changed = True
    return data if changed else None


def urls(model, obj):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
    yield "changelist", "GET", reverse(name + "changelist"), None
    yield "changelist", "POST", reverse(name + "changelist"), {
        "action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    yield "add", "GET", reverse(name + "add"), None
    yield "add", "POST", reverse(name + "add"), form_data(obj, new=True)
    for view in ("change", "delete", "history"):
        yield view, "GET", reverse(name + view, args=[obj.pk]), None
    yield "change", "POST", reverse(name + "change", args=[obj.pk]), form_data(obj, new=False)
    yield "delete", "POST", reverse(name + "delete", args=[obj.pk]), {"post": "yes"}


def send(user, method, url, data):
    with transaction.atomic():
        client = Client()
        client.force_login(user)
        before, audits = fingerprint(), AuditLog.objects.count()
        response = client.get(url) if method == "GET" else client.post(url, data)
        changed = fingerprint() != before
        new_audits = list(AuditLog.objects.order_by("pk")[audits:])
        transaction.set_rollback(True)
    return response, changed, new_audits


def read_only_to(user, model, obj):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return admin.site._registry[model].get_readonly_fields(request, obj)


@pytest.fixture
def foreign(cast):
    return build(cast)


def _html(response):
    return response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_admin_walker(cast, foreign, model):
    obj = of_model(foreign, model)
    assert obj is not None, f"tests/admin_cast.py has no row of {model._meta.label}"
    problems = []
    login = reverse("admin:login")
    for view, method, url, data in urls(model, obj):
        where = f"{model._meta.model_name} {view} {method}"
        for caller in ("bob", "carol"):
            response, changed, _ = send(getattr(cast, caller), method, url, data)
            location = urlsplit(response.get("Location", ""))
            if response.status_code != 302 or location.path != login or changed:
                problems.append(f"{where} {caller}: {response.status_code} {location.path} changed={changed}")

        response, changed, _ = send(cast.alice, method, url, data)
        status, html = response.status_code, _html(response)
        if changed:
            problems.append(f"{where} alice: wrote to the database ({status})")
        if status not in (200, 302, 403, 404):
            problems.append(f"{where} alice: {status}")
        if status == 200 and view in ("change", "delete", "history"):
            problems.append(f"{where} alice: showed another township's row")
        if status == 302 and urlsplit(response["Location"]).path not in (reverse("admin:index"), url):
            problems.append(f"{where} alice: sent to {response['Location']}")
        shown = [m for m in FOREIGN_MARKERS if m in html] if method == "GET" else []
        if shown:
            problems.append(f"{where} alice: the page shows {shown}")

        response, changed, audits = send(cast.root, method, url, data)
        if model._meta.model_name in SERVICE_OWNED and changed:
            problems.append(f"{where} root: changed a record the services own ({response.status_code})")
        if changed and not [a for a in audits if a.actor_id == cast.root.pk and a.action.startswith("admin_")]:
            problems.append(f"{where} root: changed the database without an audit record")
    # her own row, posted with the other township's ids in its choice fields
    own = choices_for(model, cast.alice).exclude(pk=obj.pk).order_by("pk").first()
    data = with_foreign_ids(own, obj, read_only_to(cast.alice, model, own)) if own is not None else None
    if data is not None:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[own.pk])
        response, changed, _ = send(cast.alice, "POST", url, data)
        refused = response.status_code == 403 or "选择一个有效的选项" in _html(response)  # the id is no choice
        if changed or not refused:
            problems.append(f"{model._meta.model_name} own row with foreign ids alice: {response.status_code} "
                            f"changed={changed}")
    assert not problems, "\n".join(problems)


def test_the_walker_covers_every_model_the_admin_shows():
    registered = {p.name.rsplit("_", 1)[0] for p in ADMIN if p.name and p.name.endswith("_changelist")}
    assert registered == {f"admin:{m._meta.app_label}_{m._meta.model_name}" for m in MODELS}
    assert len(MODELS) >= 17
