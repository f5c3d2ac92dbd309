"""A township admin manages their own township in Django admin, and nothing else."""

import pytest
from django.urls import reverse

from assessment.models import Branch, Role, User


@pytest.fixture
def staff_alice(cast):
    cast.alice.is_staff = True
    cast.alice.save()
    return cast


def test_township_admin_sees_only_their_branches(client, staff_alice):
    client.force_login(staff_alice.alice)
    html = client.get(reverse("admin:assessment_branch_changelist")).content.decode()
    assert "化峪村" in html and "西段村" in html
    assert "外镇村" not in html


def test_township_admin_cannot_open_another_townships_branch(client, staff_alice):
    client.force_login(staff_alice.alice)
    response = client.get(reverse("admin:assessment_branch_change", args=[staff_alice.other_branch.pk]))
    assert response.status_code == 302  # "does not exist" for them
    response = client.post(reverse("admin:assessment_branch_change", args=[staff_alice.other_branch.pk]),
                           {"name": "改名", "township": staff_alice.other_township.pk, "kind": "rural"})
    staff_alice.other_branch.refresh_from_db()
    assert staff_alice.other_branch.name == "外镇村"


def test_township_admin_adds_a_branch_in_their_township_only(client, staff_alice):
    client.force_login(staff_alice.alice)
    url = reverse("admin:assessment_branch_add")
    data = {"name": "新建村", "township": staff_alice.other_township.pk, "kind": "rural", "members": 10, "order": 9,
            "secretaries-TOTAL_FORMS": 0, "secretaries-INITIAL_FORMS": 0}
    response = client.post(url, data)
    assert response.status_code == 200  # the other township is not a valid choice
    assert not Branch.objects.filter(name="新建村").exists()
    data["township"] = staff_alice.township.pk
    response = client.post(url, data)
    assert response.status_code == 302
    assert Branch.objects.get(name="新建村").township == staff_alice.township


def test_township_admin_cannot_see_superusers_or_grant_rights(client, staff_alice):
    client.force_login(staff_alice.alice)
    html = client.get(reverse("admin:assessment_user_changelist")).content.decode()
    assert "carol" in html and "root" not in html and "frank" not in html
    form = client.get(reverse("admin:assessment_user_change", args=[staff_alice.carol.pk])).content.decode()
    assert "is_superuser" not in form and "user_permissions" not in form


def test_admin_role_makes_staff(client, cast):
    client.force_login(cast.root)
    user = cast.bob
    data = {"username": "bob", "display_name": "bob", "role": Role.ADMIN, "township": cast.township.pk,
            "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}
    client.post(reverse("admin:assessment_user_change", args=[user.pk]), data)
    assert User.objects.get(pk=user.pk).is_staff


def test_assessor_and_secretary_cannot_use_admin(client, cast):
    for user in (cast.bob, cast.carol):
        client.force_login(user)
        response = client.get(reverse("admin:assessment_branch_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_standard_in_use_is_read_only_and_can_be_copied(client, cast):
    from assessment.models import Standard

    client.force_login(cast.root)  # cast.round (phase self) uses cast.standard
    url = reverse("admin:assessment_standard_change", args=[cast.standard.pk])
    html = client.get(url).content.decode()
    assert "不能修改" in html
    response = client.post(reverse("admin:assessment_standard_changelist"),
                           {"action": "copy_as_new_version", "_selected_action": [cast.standard.pk]})
    assert response.status_code == 302
    copy = Standard.objects.get(name=cast.standard.name, version=2)
    assert copy.items.count() == cast.standard.items.count()
    cast.round.refresh_from_db()
    assert cast.round.standard_id == cast.standard.pk  # the round keeps its version
