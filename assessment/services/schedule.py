"""考评日程: the township admin assigns a team (one or more assessors of the township) and an
on-site date to each branch of a round, all branches in one form, one transaction, audited."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import Assessment, Phase, Role, Round, User
from assessment.permissions import is_township_admin

from .base import ServiceError, audit

# The phases in which the on-site visits can still be planned.
SCHEDULE_PHASES = (Phase.PREPARATION, Phase.SELF, Phase.ONSITE)


def schedule_refusal(round):
    """Why the schedule of `round` cannot be changed now, or ''."""
    if round.phase not in SCHEDULE_PHASES:
        return _("考核批次处于“%(phase)s”阶段，考评日程不能再修改。") % {"phase": round.get_phase_display()}
    return ""


def schedule_assessors(round):
    """Who may be on a team: the active assessors and admins of the round's township."""
    return User.objects.filter(township_id=round.township_id, is_active=True,
                               role__in=(Role.ASSESSOR, Role.ADMIN)).order_by("role", "username")


def _describe(date, names):
    return f"{date.isoformat() if date else '—'} {'、'.join(names) or '—'}"


@transaction.atomic
def round_schedule_set(*, round, actor, plan):
    """`plan` maps an assessment id of `round` to (date or None, [user ids]). Every assessment
    named is set to exactly that; the others are left as they are. Returns how many changed."""
    if not (actor.is_superuser or (is_township_admin(actor) and actor.township_id == round.township_id)):
        raise ServiceError(_("只有本镇党委管理员可以安排考评日程。"))
    locked = Round.objects.select_for_update().get(pk=round.pk)
    refusal = schedule_refusal(locked)
    if refusal:
        raise ServiceError(refusal)
    assessments = {a.pk: a for a in Assessment.objects.filter(round=locked, pk__in=list(plan))
                   .select_related("branch").prefetch_related("team")}
    if len(assessments) != len(plan):
        raise ServiceError(_("考评日程中有不属于本批次的支部，请刷新页面后重试。"))
    people = {u.pk: u for u in schedule_assessors(locked)}
    changed = 0
    for pk, (date, user_ids) in plan.items():
        unknown = set(user_ids) - set(people)
        if unknown:
            raise ServiceError(_("考评组只能由本镇的考评人员组成，请刷新页面后重试。"))
        assessment = assessments[pk]
        if date is not None and not isinstance(date, datetime.date):
            raise ServiceError(_("%(branch)s的考评日期无法识别。") % {"branch": assessment.branch.name})
        old_team = sorted(u.pk for u in assessment.team.all())
        new_team = sorted(set(user_ids))
        if assessment.scheduled_date == date and old_team == new_team:
            continue
        old = _describe(assessment.scheduled_date, [str(u) for u in assessment.team.all()])
        new = _describe(date, [str(people[i]) for i in new_team])
        if assessment.scheduled_date != date:
            assessment.scheduled_date = date
            assessment.save(update_fields=["scheduled_date"])
        if old_team != new_team:
            assessment.team.set(new_team)
        audit(actor=actor, action="schedule_set", assessment=assessment, field="schedule", old=old, new=new)
        changed += 1
    return changed


def schedule_clashes(rows):
    """Where one person has two places on one day: {(user id, date): [branch names]}, for the
    rows (assessments with `team` prefetched) that share a person and a date."""
    places = {}
    for a in rows:
        if a.scheduled_date is None:
            continue
        for user in a.team.all():
            places.setdefault((user.pk, a.scheduled_date), []).append(a.branch.name)
    return {key: names for key, names in places.items() if len(names) > 1}
