"""The evidence block and the round-wide rows, rendered by Django templates
(templates/assessment/_evidence.html, _bonus_claims.html, _selfeval_overview_rows.html,
_onsite_overview_rows.html, _board_branches.html): Python prepares the data, the templates
write every row and cell (the ranking's rows: templates/assessment/_ranking_rows.html)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .selectors import decimal_text

def evidence_html(request, assessment, item, files, editable):
    """One evidence block (an item's, or a bonus claim's when item is None), for the evidence
    views' answers to the page's script."""
    return render_to_string("assessment/_evidence.html", {
        "assessment": assessment, "files": list(files), "editable": editable, "item_id": item.pk if item else "",
        "max_bytes": settings.EVIDENCE_MAX_BYTES if item else "",
    }, request=request)


def bonus_claims_html(request, assessment, bonuses, editable):
    """The checklist's 加分项 section (bonuses from selectors_evidence.bonus_claims_for)."""
    return render_to_string("assessment/_bonus_claims.html", {
        "assessment": assessment, "bonuses": bonuses, "editable": editable}, request=request)


# --- The round overviews (1,000 rows each at county scale) -------------------------------


def kept_rows(template, rows, **context):
    """`template` rendered with `rows` and `context`, kept in the "pages" cache under a digest of
    everything it can print: every row's attributes (its branch's fields included), the context,
    the language and the time zone. A row that changed in any way gives another key, so what is
    kept is never stale; an unchanged overview (a reload, another staff member) is not rendered
    again."""
    import hashlib
    import json

    from django.core.cache import caches
    from django.utils import timezone
    from django.utils.translation import get_language

    data = json.dumps([get_language(), timezone.get_current_timezone_name(), context, [row.__dict__ for row in rows]],
                      default=str, ensure_ascii=False, sort_keys=True)
    key = f"rows:{template}:{hashlib.sha256(data.encode()).hexdigest()}"
    cache = caches["pages"]
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, {**context, "rows": rows})
        cache.set(key, html)
    return html


def selfeval_overview_rows(rows, can_remind, filtered):
    """The <tbody> rows of the self-evaluation overview (rows from selectors.self_overview, with
    status_label, badge, percent, remindable and checked set by the view); `filtered` picks the
    empty message. 1,000 rows at county scale: kept while they are unchanged (kept_rows)."""
    return kept_rows("assessment/_selfeval_overview_rows.html", rows, can_remind=can_remind, filtered=filtered)


def onsite_overview_rows(rows, filtered):
    """The <tbody> rows of the on-site overview (rows from selectors.onsite_overview, with
    status_label, badge and percent set by the view); `filtered` picks the empty message."""
    from .models import Status

    scorable = (Status.SUBMITTED, Status.NO_SELF, Status.ONSITE)
    for row in rows:
        row.scorable = row.status in scorable
    return kept_rows("assessment/_onsite_overview_rows.html", rows, filtered=filtered)


def board_branches(branches, part):
    """The 整改台账's per-branch rows (`part` "rows") or branch filter options ("options"), from
    selectors.rectification_branch_counts, the same for every filter. 1,000 rows at county scale:
    kept while they are unchanged (kept_rows), once for all the filters."""
    return kept_rows("assessment/_board_branches.html", branches, part=part)
