"""考评日程: the township admin assigns a team and a date to every branch in one form
(GET/POST /rounds/<pk>/schedule/), the staff print it by date (/rounds/<pk>/schedule/print/);
an assessor sees theirs first on the home; one person with two places on one day is warned."""

import datetime

import pytest
from django.urls import reverse

from assessment.models import Assessment, AuditLog, Phase, Role, Round, Status
from assessment.services.base import ServiceError
from assessment.services.schedule import round_schedule_set
from tests.conftest import make_user


def edit_url(cast):
    return reverse("round-schedule", args=[cast.round.pk])


def print_url(cast):
    return reverse("round-schedule-print", args=[cast.round.pk])


def post(cast, **extra):
    return {f"date-{cast.assessment.pk}": "2026-12-10", f"team-{cast.assessment.pk}": [str(cast.bob.pk)],
            f"date-{cast.assessment2.pk}": "", f"team-{cast.assessment2.pk}": [], **extra}


def test_the_form_lists_every_branch_and_the_assessors(client, cast, django_assert_num_queries):
    make_user("bob2", Role.ASSESSOR, township=cast.township)
    make_user("outsider", Role.ASSESSOR, township=cast.other_township)
    client.force_login(cast.alice)
    with django_assert_num_queries(7):  # session, user, round, assessments with branches, their teams, the assessors, badge
        html = client.get(edit_url(cast)).content.decode()
    assert "化峪村" in html and "西段村" in html and "外镇村" not in html
    assert f'name="team-{cast.assessment.pk}" value="{cast.bob.pk}"' in html and "bob2" in html
    assert "outsider" not in html
    assert f'name="date-{cast.assessment2.pk}"' in html


def test_saving_sets_team_and_date_in_one_go_and_audits(client, cast):
    client.force_login(cast.alice)
    response = client.post(edit_url(cast), post(cast, **{f"date-{cast.assessment2.pk}": "2026-12-11",
                                                        f"team-{cast.assessment2.pk}": [str(cast.bob.pk), str(cast.alice.pk)]}))
    assert response.status_code == 302
    cast.assessment.refresh_from_db()
    cast.assessment2.refresh_from_db()
    assert cast.assessment.scheduled_date == datetime.date(2026, 12, 10)
    assert list(cast.assessment.team.all()) == [cast.bob]
    assert set(cast.assessment2.team.all()) == {cast.bob, cast.alice}
    records = AuditLog.objects.filter(action="schedule_set")
    assert records.count() == 2
    assert "2026-12-10 bob" in records.get(assessment=cast.assessment).new_value
    client.post(edit_url(cast), post(cast, **{f"date-{cast.assessment2.pk}": "2026-12-11",
                                             f"team-{cast.assessment2.pk}": [str(cast.bob.pk), str(cast.alice.pk)]}))
    assert AuditLog.objects.filter(action="schedule_set").count() == 2  # nothing changed: nothing recorded


@pytest.mark.parametrize("bad", [
    {"date-A": "2026-13-40"},
    {"team-A": ["abc"]},
    {"team-A": ["OUTSIDER"]},
])
def test_bad_input_is_refused_and_changes_nothing(client, cast, bad):
    outsider = make_user("outsider", Role.ASSESSOR, township=cast.other_township)
    data = post(cast, **{f"date-{cast.assessment2.pk}": "2026-12-11", f"team-{cast.assessment2.pk}": [str(cast.bob.pk)]})
    for key, value in bad.items():
        key = key.replace("A", str(cast.assessment.pk))
        data[key] = [str(outsider.pk) if v == "OUTSIDER" else v for v in value] if isinstance(value, list) else value
    client.force_login(cast.alice)
    response = client.post(edit_url(cast), data, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and ("无法识别" in html or "只能由本镇的考评人员组成" in html)
    assert not Assessment.objects.filter(round=cast.round, scheduled_date__isnull=False).exists()
    assert not Assessment.team.through.objects.exists()
    assert not AuditLog.objects.filter(action="schedule_set").exists()


def test_two_places_on_one_day_are_warned(client, cast, django_assert_num_queries):
    client.force_login(cast.alice)
    response = client.post(edit_url(cast), post(cast, **{f"date-{cast.assessment2.pk}": "2026-12-10",
                                                        f"team-{cast.assessment2.pk}": [str(cast.bob.pk)]}), follow=True)
    html = response.content.decode()
    assert "bob在2026年12月10日有两处考评：化峪村、西段村" in html
    client.force_login(cast.bob)
    with django_assert_num_queries(6):  # session, user, round, assessments with branches, their teams, badge
        html = client.get(print_url(cast)).content.decode()
    assert "同一人同一天有两处考评" in html and "2026年12月10日" in html


def test_the_printable_schedule_by_date(client, cast):
    round_schedule_set(round=cast.round, actor=cast.alice, plan={
        cast.assessment.pk: (datetime.date(2026, 12, 12), [cast.alice.pk]),
        cast.assessment2.pk: (datetime.date(2026, 12, 9), [cast.bob.pk]),
    })
    client.force_login(cast.bob)
    html = client.get(print_url(cast)).content.decode()
    assert html.index("西段村") < html.index("化峪村")  # the earlier date first
    assert "2026年12月9日" in html and 'class="schedule-mine"' in html and "data-print" in html
    assert "@page { size: A4" in open("static/huayu/site.css", encoding="utf-8").read()


def test_the_assessor_home_shows_theirs_first(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    Assessment.objects.filter(round=cast.round).update(status=Status.SUBMITTED)
    round_schedule_set(round=cast.round, actor=cast.alice, plan={cast.assessment2.pk: (datetime.date(2026, 12, 9), [cast.bob.pk])})
    client.force_login(cast.bob)
    html = client.get(reverse("home")).content.decode()
    assert "下一个：西段村" in html and "本组" in html and "2026年12月9日" in html
    queue = html[html.index("todo-queue"):]
    assert queue.index("西段村") < queue.index("化峪村")


@pytest.mark.parametrize("who, status", [("bob", 403), ("carol", 403), ("eve", 404)])
def test_who_may_arrange(client, cast, who, status):
    client.force_login(getattr(cast, who))
    assert client.get(edit_url(cast)).status_code == status
    assert client.post(edit_url(cast), post(cast)).status_code == status
    assert not AuditLog.objects.filter(action="schedule_set").exists()


@pytest.mark.parametrize("who, status", [("carol", 403), ("eve", 404), ("frank", 404)])
def test_who_may_read_the_schedule(client, cast, who, status):
    client.force_login(getattr(cast, who))
    assert client.get(print_url(cast)).status_code == status


def test_no_changes_after_the_notice(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE)
    cast.round.refresh_from_db()
    with pytest.raises(ServiceError, match="不能再修改"):
        round_schedule_set(round=cast.round, actor=cast.alice, plan={cast.assessment.pk: (None, [cast.bob.pk])})
    with pytest.raises(ServiceError, match="不属于本批次"):
        Round.objects.filter(pk=cast.round.pk).update(phase=Phase.SELF)
        cast.round.refresh_from_db()
        round_schedule_set(round=cast.round, actor=cast.alice, plan={cast.other_assessment.pk: (None, [])})


def test_the_assessor_home_warns_of_two_places_on_one_day(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    Assessment.objects.filter(round=cast.round).update(status=Status.SUBMITTED)
    day = datetime.date(2026, 12, 9)
    round_schedule_set(round=cast.round, actor=cast.alice, plan={cast.assessment.pk: (day, [cast.bob.pk]),
                                                                cast.assessment2.pk: (day, [cast.bob.pk])})
    client.force_login(cast.bob)
    html = client.get(reverse("home")).content.decode()
    assert "您在2026年12月9日有 2 处考评：化峪村、西段村" in html
    client.force_login(cast.alice)
    assert "处考评：" not in client.get(reverse("home")).content.decode()  # the admin's home is not the assessor's
