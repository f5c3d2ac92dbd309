"""The evidence block and the round-wide rows, rendered by Django templates
(templates/assessment/_evidence.html, _bonus_claims.html, _selfeval_overview_rows.html,
_onsite_overview_rows.html, _board_branches.html): Python prepares the data, the templates
write every row and cell. `ranking_rows` is the ranking's (its move into a template is issue
12's ranking part)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .selectors import decimal_text

SENTINEL = 987654321


def url_pattern(name, *args):
    """A function pk -> URL of `name`, reversing once (ranking_rows only)."""
    before, after = reverse(name, args=[*args, SENTINEL]).rsplit(str(SENTINEL), 1)
    return lambda pk: f"{before}{pk}{after}"


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


# --- The ranking (1,000 rows at county scale) --------------------------------------------


RANKING_ROW = (
    '      <tr{veto_class}>\n'
    '        <td>{rank}</td>\n'
    '        <td><a href="{url}">{name}</a>{demonstration}\n'
    '          <span class="small text-muted d-block">{kind} · {status}</span></td>\n'
    '        {cells}\n'
    '        <td class="text-end">{bonus}</td>\n'
    '        <td class="text-end">{self_total}</td>\n'
    '        <td class="text-end fw-bold">{total}</td>\n'
    '        <td class="text-end{inflated_class}">{difference}{inflated}</td>\n'
    '        <td class="text-nowrap">{veto}{grade}</td>\n'
    '      </tr>'
)


def ranking_rows(rows, areas):
    """The <tbody> rows of the ranking (rows from results.round_results, with `inflated` set by
    the view; `areas` the standard's areas, in the table's column order), 1,000 at county
    scale: written with one format string (RANKING_ROW), every text escaped once, every number
    a string made once (decimal_text, as floatformat:"-1" showed it), the labels translated
    once, the branch result URLs from one reversed pattern. The branch's type and status stand
    under its name and 示范点 beside it, so the table fits 1280 px and an A4 landscape page."""
    from django.utils.html import escape

    from .models import BranchKind, Grade, Status

    if not rows:
        return mark_safe(f'      <tr><td colspan="20" class="text-muted">{escape(_("本批次暂无支部。"))}</td></tr>')
    # str() first: escape() of a lazy label stays lazy and would be translated again in every row.
    kinds = {value: escape(str(label)) for value, label in BranchKind.choices}
    grades = {value: escape(str(label)) for value, label in Grade.choices}
    statuses = {value: escape(str(label)) for value, label in Status.choices}
    result_url = url_pattern("results-branch")
    area_ids = [area.pk for area in areas]
    empty = (0, 0)
    texts = {}  # the same few hundred numbers come back in every row
    cell_html = {}  # and the same few hundred (self, on-site) area cells
    self_label = escape(_("自评"))
    demonstration = f' <span class="badge text-bg-warning">{escape(_("示范点"))}</span>'
    inflated = f' <span class="badge text-bg-warning">{escape(_("自评虚高"))}</span>'
    veto = f'<span class="badge text-bg-danger">{escape(_("一票否决"))}</span> '

    def text(value):
        found = texts.get(value)
        if found is None:
            found = texts[value] = decimal_text(value)
        return found

    def cells(pairs):
        parts = []
        for pk in area_ids:
            pair = pairs.get(pk, empty)
            html = cell_html.get(pair)
            if html is None:
                # Numbers only (decimal_text): nothing to escape but the label, escaped once.
                html = cell_html[pair] = f'<td class="text-end" title="{self_label} {text(pair[0])}">{text(pair[1])}</td>'
            parts.append(html)
        return "".join(parts)

    lines = []
    for row in rows:
        a = row.assessment
        branch = a.branch
        is_inflated = getattr(row, "inflated", False)
        lines.append(RANKING_ROW.format(
            veto_class=' class="table-danger"' if row.has_veto else "", rank=row.rank or "—", url=result_url(a.pk),
            name=escape(branch.name), demonstration=demonstration if branch.is_demonstration else "",
            kind=kinds.get(branch.kind) or escape(branch.kind), status=statuses.get(a.status) or escape(a.status),
            cells=cells(row.areas), bonus=text(row.bonus), self_total=text(row.self_total),
            total=text(row.total) if row.assessed else f'<span class="text-muted">{text(row.total)}</span>',
            inflated_class=" text-danger fw-bold" if is_inflated else "",
            difference="—" if row.difference is None else text(row.difference),
            inflated=inflated if is_inflated else "", veto=veto if row.has_veto else "",
            grade=grades.get(row.grade) or escape(row.grade_label),
        ))
    return mark_safe("\n".join(lines))


def board_branches(branches, selected, part):
    """The 整改台账's per-branch rows (`part` "rows") or branch filter options ("options"), from
    selectors.rectification_branch_counts; `selected` the branch id filtered by, or None."""
    return render_to_string("assessment/_board_branches.html", {"branches": branches, "selected": selected, "part": part})
