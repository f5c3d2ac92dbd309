"""One item's save from a page on a weak network, which may arrive twice, late, or after
another person's save of the same item.

Each save names the Score.version its values were based on and carries the id of the edit
(made by the page, one per set of values typed); the row keeps the id of the edit that made
its version (Score.edit_id). A save is then:

- already there (answered as saved, nothing written) when the row holds this very edit: the
  page sent it again because the reply was lost, or when it changes nothing;
- applied when it is based on the row's version, or on an edit of the same page whose reply
  was lost (`prior`: the ids of the page's earlier edits of the item not yet confirmed);
- refused as a ScoreConflict otherwise: someone else saved the item since, and their values
  are shown before anything is overwritten.
"""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import AuditLog

from .base import InvalidInput, ServiceError

EDIT_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
PRIOR_MAX = 20


class ScoreConflict(ServiceError):
    """Another user saved the item since the page's version (HTTP 409). `current` holds what
    the row holds now: the score, the item's other fields, version, by, at."""

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


def parse_version(version):
    try:
        return int(version)
    except (TypeError, ValueError):
        raise InvalidInput(_("缺少版本信息，请刷新页面后再保存。"))


def edit_ids(edit, prior):
    """(edit, prior) checked: ids of letters, digits, - and _; `prior` a comma-separated text or a
    sequence of at most PRIOR_MAX of them."""
    if isinstance(prior, str):
        prior = [p for p in prior.split(",") if p]
    prior = tuple(prior)
    edit = edit or ""
    if len(prior) > PRIOR_MAX or not all(EDIT_ID.fullmatch(p) for p in (*prior, *([edit] if edit else []))):
        raise InvalidInput(_("修改编号无效，请刷新页面后再保存。"))
    return edit, prior


def edit_applies(row, *, version, edit, prior, unchanged, conflict):
    """True when the save is to be written; False when the row already holds it; raises
    conflict() when the row moved on under another person's save. `version` None: not checked."""
    if edit and row.edit_id == edit:
        return False
    if version is None or row.version == version or (row.edit_id and row.edit_id in prior):
        return True
    if unchanged:
        return False
    raise conflict()


def score_conflict(row, item, score, fields):
    """The ScoreConflict for `row` as it is now (`score` the score the page is about, `fields` its
    other values), naming who changed the item last and when."""
    last = (AuditLog.objects.filter(assessment_id=row.assessment_id, item=item)
            .select_related("actor").order_by("-at", "-pk").first())
    by = str(last.actor) if last and last.actor else _("他人")
    at = timezone.localtime(last.at if last else row.updated_at).strftime("%H:%M")
    score_text = "" if score is None else format(score.normalize(), "f")
    if score is None:
        message = _("该项目已被 %(by)s 于 %(at)s 修改（目前未评分），请确认后再保存") % {"by": by, "at": at}
    else:
        message = _("该项目已被 %(by)s 于 %(at)s 修改为 %(score)s 分，请确认后再保存") % {
            "by": by, "at": at, "score": score_text}
    return ScoreConflict(message, {"score": score_text, **fields, "version": row.version, "by": by, "at": at})
