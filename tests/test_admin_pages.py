"""Every admin list and add page opens for the superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse


def _model_admins():
    return [(model._meta.app_label, model._meta.model_name) for model in admin.site._registry]


@pytest.mark.parametrize("app_label,model_name", _model_admins())
def test_changelist_opens(client, cast, app_label, model_name):
    client.force_login(cast.root)
    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("app_label,model_name", _model_admins())
def test_changelist_search_opens(client, cast, app_label, model_name):
    client.force_login(cast.root)
    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"), {"q": "化峪"})
    assert response.status_code == 200


def test_change_pages_open(client, cast):
    client.force_login(cast.root)
    for name, obj in [
        ("standard", cast.standard), ("round", cast.round), ("assessment", cast.assessment),
        ("branch", cast.branch), ("township", cast.township), ("user", cast.carol),
    ]:
        response = client.get(reverse(f"admin:assessment_{name}_change", args=[obj.pk]))
        assert response.status_code == 200, name


def test_admin_is_chinese(client, cast):
    client.force_login(cast.root)
    html = client.get(reverse("admin:index")).content.decode()
    assert "党支部规范化建设考核验收" in html
    assert "考核批次" in html and "考核标准" in html


def test_audit_log_cannot_be_edited_or_deleted(client, cast):
    from assessment.models import AuditLog

    entry = AuditLog.objects.first()
    client.force_login(cast.root)
    response = client.post(reverse("admin:assessment_auditlog_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()
