"""Who gets what, on every URL of the project: one table, tested in a loop.

The test walks every URL pattern the project has (django.urls.get_resolver(), recursively),
so a new view cannot be forgotten: a pattern of the app or of the project without a row in
TABLE fails, by its name. The admin site's patterns are walked too (ADMIN below).

Each row is one URL name in one state of the scenario (tests/permissions_scenario.py), with
the outcome for each caller:

    anon   not logged in                           alice  township admin (化峪镇)
    bob    assessor (化峪镇)                         carol  secretary of 化峪村, the branch the URL is about
    dave   secretary of 西段村, same township       eve    admin of another township
    frank  secretary in another township           root   superuser
    xian   县委组织部 of 稷山县 (化峪镇's county)    waixian 县委组织部 of 外县 (其他镇's county)

    OK  200          RD  302 elsewhere than the login page (POST then redirect)
    LG  302 to the login page (log in first)        NA  405 (wrong method)
    NF  404 (not yours: no hint that it exists)     FB  403 (yours to see, not to do now: with a reason)

The expected outcome is what PRODUCT.md says the role may do. A cell ending in "!" is one where
the code is known to disagree (a wrong status, or a 403 that does not say why; the comment above
the row says which): the row is kept as the product wants it, and fails until the code is changed
(or the product decision is). Two readings of PRODUCT.md the table makes: the superuser may do
everything the township admin may, but does not act as a branch's secretary (self-scores, files,
bonus claims, rectification reports: 403); an assessor may read the township's results and print
a branch's acceptance sheet (考核验收单, the on-site paper), but not the township's other Excel
files. The county user (县委组织部) reads every township of their county and changes nothing
there (403 with the reason on every write); what the township has not published yet (results,
rectifications, Excel files) they do not read either; another county's is 404. The method column:

    GET   a page or a download
    POST  an endpoint that only takes POST: also checked that GET is 405 for those allowed
    FORM  the POST of a page that also answers GET

Every caller's request runs in its own savepoint, rolled back afterwards, so each sees the
scenario as built. For every POST, a caller who is refused must leave the database as it was
(a fingerprint: row counts and the latest changes). A refusal must say why (a reason on the
page, or in the JSON); an allowed request must not come back with an error message. Every
HTML response carries the Content-Security-Policy header.
"""

import datetime
from decimal import Decimal
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment.models import (
    Assessment, AuditLog, BonusClaim, Evidence, Message, Rectification, Round, Score, VetoFinding,
)
from assessment.services.evidence import bonus_claim_save, evidence_add
from tests.permissions_scenario import build
from tests.test_uploads import png_bytes, upload

CALLERS = ("anon", "alice", "bob", "carol", "dave", "eve", "frank", "root", "xian", "waixian")
STATUS = {200: "OK", 403: "FB", 404: "NF", 405: "NA"}

# fmt: off
TABLE = [
    # URL name                      state        method   anon alice bob  carol dave eve  frank root xian waixian
    # --- the project -------------------------------------------------------------------------------
    ("login",                       None,        "GET",   "OK   RD   RD   RD   RD   RD   RD   RD   RD   RD"),
    ("logout",                      None,        "POST",  "RD   RD   RD   RD   RD   RD   RD   RD   RD   RD"),
    ("password_change",             None,        "GET",   "LG   OK   OK   OK   OK   OK   OK   OK   OK   OK"),
    ("password_change_done",        None,        "GET",   "LG   OK   OK   OK   OK   OK   OK   OK   OK   OK"),
    ("home",                        None,        "GET",   "LG   OK   OK   OK   OK   OK   OK   OK   OK   OK"),
    # whether the session is back, as whom, and a fresh CSRF token (keep.js, after a new login)
    ("session-state",               None,        "GET",   "OK   OK   OK   OK   OK   OK   OK   OK   OK   OK"),
    ("message-list",                None,        "GET",   "LG   OK   OK   OK   OK   OK   OK   OK   OK   OK"),
    # --- 支部对照自评 ----------------------------------------------------------------------------------
    ("selfeval-checklist",          "self",      "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("selfeval-checklist",          "self",      "FORM",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    ("selfeval-checklist",          "submitted", "FORM",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("selfeval-item-save",          "self",      "POST",  "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("selfeval-item-save",          "onsite",    "POST",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("selfeval-submit",             "self",      "GET",   "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("selfeval-submit",             "self",      "FORM",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    ("selfeval-submit",             "submitted", "FORM",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("selfeval-return",             "submitted", "GET",   "LG   OK   FB   FB   NF   NF   NF   OK   FB   NF"),
    ("selfeval-return",             "submitted", "FORM",  "LG   RD   FB   FB   NF   NF   NF   RD   FB   NF"),
    ("selfeval-return",             "self",      "FORM",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("selfeval-extend",             "self",      "GET",   "LG   OK   FB   FB   NF   NF   NF   OK   FB   NF"),
    ("selfeval-extend",             "self",      "FORM",  "LG   RD   FB   FB   NF   NF   NF   RD   FB   NF"),
    ("selfeval-extend",             "onsite",    "FORM",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("selfeval-overview",           "self",      "GET",   "LG   OK   OK   FB   FB   NF   NF   OK   FB   NF"),
    ("selfeval-remind",             "self",      "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    # closed phase → 403 with the reason
    ("selfeval-remind",             "onsite",    "POST",  "LG   FB   FB   FB   FB   NF   NF   FB   FB   NF"),
    # --- 佐证材料 and 加分项 (asked as the page's script asks: a refusal is a 403 in JSON) -------------
    ("evidence-upload",             "self",      "POST",  "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("evidence-upload",             "submitted", "POST",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("evidence-file",               "self",      "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("evidence-thumb",              "self",      "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("evidence-medium",             "self",      "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("evidence-remove",             "self",      "POST",  "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("bonus-claim-save",            "self",      "POST",  "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("bonus-claim-withdraw",        "self",      "POST",  "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("bonus-claim-withdraw",        "onsite",    "POST",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    # --- 党委一线考评 ----------------------------------------------------------------------------------
    ("onsite-overview",             "onsite",    "GET",   "LG   OK   OK   FB   FB   NF   NF   OK   FB   NF"),
    ("round-phase-set",             "self",      "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    ("round-detail",                "self",      "GET",   "LG   OK   OK   FB   FB   NF   NF   OK   FB   NF"),
    ("round-phase-confirm",         "self",      "GET",   "LG   OK   FB   FB   FB   NF   NF   OK   FB   NF"),
    # 考评日程: the township admin arranges it, the staff read and print it
    ("round-schedule",              "self",      "GET",   "LG   OK   FB   FB   FB   NF   NF   OK   FB   NF"),
    ("round-schedule",              "self",      "FORM",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    ("round-schedule-print",        "self",      "GET",   "LG   OK   OK   FB   FB   NF   NF   OK   FB   NF"),
    # a branch has begun its self-evaluation: the round cannot step back (403 with the reason, for all)
    ("round-phase-back",            "self",      "POST",  "LG   FB   FB   FB   FB   NF   NF   FB   FB   NF"),
    # 按未自评考评 is for the on-site phase only
    ("selfeval-skip",               "self",      "POST",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("onsite-scoring",              "onsite",    "GET",   "LG   OK   OK   FB   NF   NF   NF   OK   FB   NF"),
    ("onsite-scoring",              "onsite",    "FORM",  "LG   RD   RD   FB   NF   NF   NF   RD   FB   NF"),
    ("onsite-scoring",              "finalised", "FORM",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("onsite-item-save",            "onsite",    "POST",  "LG   OK   OK   FB   NF   NF   NF   OK   FB   NF"),
    ("onsite-item-save",            "finalised", "POST",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("onsite-veto-save",            "onsite",    "POST",  "LG   RD   RD   FB   NF   NF   NF   RD   FB   NF"),
    ("onsite-bonus-decide",         "onsite",    "POST",  "LG   RD   RD   FB   NF   NF   NF   RD   FB   NF"),
    ("onsite-finalise",             "onsite",    "GET",   "LG   OK   OK   FB   NF   NF   NF   OK   FB   NF"),
    ("onsite-finalise",             "onsite",    "FORM",  "LG   RD   RD   FB   NF   NF   NF   RD   FB   NF"),
    ("onsite-finalise",             "finalised", "GET",   "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("onsite-reopen",               "finalised", "GET",   "LG   OK   FB   FB   NF   NF   NF   OK   FB   NF"),
    ("onsite-reopen",               "finalised", "FORM",  "LG   RD   FB   FB   NF   NF   NF   RD   FB   NF"),
    ("onsite-reopen",               "published", "FORM",  "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    ("onsite-reopen",               "published", "GET",   "LG   FB   FB   FB   NF   NF   NF   FB   FB   NF"),
    # --- 通报: the round is the secretaries' own township's, the page not theirs → 403 ----------------
    ("notice-prepare",              "finalised", "GET",   "LG   OK   FB   FB   FB   NF   NF   OK   FB   NF"),
    ("notice-propose",              "finalised", "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    ("notice-days",                 "finalised", "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    ("notice-text",                 "finalised", "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    ("notice-publish",              "finalised", "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    # published already → 403 with the reason
    ("notice-publish",              "published", "POST",  "LG   FB   FB   FB   FB   NF   NF   FB   FB   NF"),
    # a draft (拟整改) is nobody's but the township's until the notice is published
    ("rectification-draft-save",    "finalised", "POST",  "LG   RD   FB   NF   NF   NF   NF   RD   FB   NF"),
    ("rectification-draft-remove",  "finalised", "POST",  "LG   RD   FB   NF   NF   NF   NF   RD   FB   NF"),
    # 添加整改事项: the round's, like the other notice posts
    ("rectification-draft-add",     "finalised", "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   FB   NF"),
    ("notice-detail",               "published", "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   OK   NF"),
    # not published yet: a secretary may see the notice once it is: closed phase → 403
    ("notice-detail",               "finalised", "GET",   "LG   FB   FB   FB   FB   NF   NF   FB   FB   NF"),
    # the notice as a Word file: whoever may read the notice, once it is published
    ("notice-docx",                 "published", "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   OK   NF"),
    ("notice-docx",                 "finalised", "GET",   "LG   FB   FB   FB   FB   NF   NF   FB   FB   NF"),
    # --- results -------------------------------------------------------------------------------------
    # the ranking is in the notice: once it is published the secretaries see it too
    ("results-ranking",             "published", "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   OK   NF"),
    ("results-branch",              "published", "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("results-branch",              "finalised", "GET",   "LG   OK   OK   FB   NF   NF   NF   OK   FB   NF"),
    # --- 限期整改 --------------------------------------------------------------------------------------
    ("rectification-detail",        "published", "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("rectification-detail",        "finalised", "GET",   "LG   OK   OK   NF   NF   NF   NF   OK   NF   NF"),
    ("rectification-report",        "published", "POST",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    ("rectification-verify",        "published", "POST",  "LG   RD   FB   FB   NF   NF   NF   RD   FB   NF"),
    ("rectification-return",        "published", "POST",  "LG   RD   FB   FB   NF   NF   NF   RD   FB   NF"),
    ("rectification-board",         "published", "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   OK   NF"),
    ("rectification-board",         "finalised", "GET",   "LG   OK   OK   FB   FB   NF   NF   OK   FB   NF"),
    # --- Excel files ----------------------------------------------------------------------------------
    ("export-rectifications",       "published", "GET",   "LG   OK   FB   OK   OK   NF   NF   OK   OK   NF"),
    ("export-rectifications",       "finalised", "GET",   "LG   OK   FB   FB   FB   NF   NF   OK   FB   NF"),
    ("export-summary",              "published", "GET",   "LG   OK   FB   FB   FB   NF   NF   OK   OK   NF"),
    ("export-sheet",                "published", "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("export-sheet",                "finalised", "GET",   "LG   OK   OK   FB   NF   NF   NF   OK   FB   NF"),
    # --- 清单式推进 (year 2026 of the scenario's standard; a duty on item 1, a record of 化峪村 with a file) ---
    ("plan-home",                   None,        "GET",   "LG   RD   RD   RD   RD   RD   RD   RD   FB   FB"),
    ("plan-branch",                 "self",      "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("plan-record-new",             "self",      "GET",   "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("plan-record-new",             "self",      "FORM",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    ("plan-record-edit",            "self",      "GET",   "LG   FB   FB   OK   NF   NF   NF   FB   FB   NF"),
    ("plan-record-edit",            "self",      "FORM",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    ("plan-record-delete",          "self",      "POST",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    ("plan-record-file",            "self",      "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("plan-record-file-remove",     "self",      "POST",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    ("plan-grid",                   "self",      "GET",   "LG   OK   OK   FB   FB   OK   FB   OK   FB   FB"),
    ("plan-remind",                 "self",      "POST",  "LG   RD   FB   FB   FB   RD   FB   RD   FB   FB"),
    ("plan-ledger",                 "self",      "GET",   "LG   OK   OK   FB   FB   OK   FB   OK   FB   FB"),
    ("plan-close",                  "self",      "POST",  "LG   RD   FB   FB   FB   RD   FB   RD   FB   FB"),
    ("plan-duties",                 "self",      "GET",   "LG   OK   FB   FB   FB   OK   FB   OK   FB   FB"),
    ("plan-duties",                 "self",      "FORM",  "LG   RD   FB   FB   FB   RD   FB   RD   FB   FB"),
    ("plan-suggestions",            "self",      "GET",   "LG   OK   OK   OK   NF   NF   NF   OK   OK   NF"),
    ("plan-suggestion-accept",      "self",      "POST",  "LG   FB   FB   RD   NF   NF   NF   FB   FB   NF"),
    # --- 示范点 (化峪村 a 示范点 with one model and its photo, a visit with a photo, a pairing with 西段村) ---
    ("models-library",              "self",      "GET",   "LG   OK   OK   OK   OK   OK   OK   OK   NF   NF"),
    ("models-zip",                  "self",      "GET",   "LG   OK   OK   OK   OK   OK   OK   OK   NF   NF"),
    ("model-mark",                  "self",      "GET",   "LG   OK   FB   FB   FB   OK   FB   OK   NF   NF"),
    ("model-mark",                  "self",      "FORM",  "LG   RD   FB   FB   FB   NF   FB   RD   NF   NF"),
    ("models-carry-over",           "self",      "POST",  "LG   RD   FB   FB   FB   RD   FB   RD   NF   NF"),
    ("model-withdraw",              "self",      "POST",  "LG   RD   FB   FB   FB   NF   NF   RD   NF   NF"),
    ("model-file",                  "self",      "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   NF   NF"),
    ("model-thumb",                 "self",      "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   NF   NF"),
    ("demo-site",                   "self",      "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   NF   NF"),
    ("demo-site-theme",             "self",      "POST",  "LG   RD   FB   FB   FB   NF   FB   RD   NF   NF"),
    ("visit-new",                   "self",      "GET",   "LG   OK   FB   FB   FB   NF   FB   OK   NF   NF"),
    ("visit-new",                   "self",      "FORM",  "LG   RD   FB   FB   FB   NF   FB   RD   NF   NF"),
    ("visit-photo",                 "self",      "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   NF   NF"),
    ("visit-thumb",                 "self",      "GET",   "LG   OK   OK   OK   OK   NF   NF   OK   NF   NF"),
    ("pairings",                    "self",      "GET",   "LG   OK   OK   OK   OK   OK   OK   OK   NF   NF"),
    ("pairings",                    "self",      "FORM",  "LG   RD   FB   FB   FB   NF   FB   RD   NF   NF"),
    ("pairing-end",                 "self",      "POST",  "LG   RD   FB   FB   FB   NF   FB   RD   NF   NF"),
    # --- 抽查复核: the county's (xian's) spot check of 化峪村; until published nobody else sees it (404), then
    # 化峪镇's staff see their branch's result (the re-scoring stays the county's: 403). In the finalised
    # state it is open (every item re-scored, not published), in the published state published.
    ("spotcheck-list",              None,        "GET",   "LG   OK   OK   FB   FB   OK   FB   OK   OK   OK"),
    ("spotcheck-new",               None,        "GET",   "LG   FB   FB   FB   FB   FB   FB   OK   OK   OK"),
    # 外县 has no finished branch to draw from: 400 with the reason
    ("spotcheck-new",               "finalised", "FORM",  "LG   FB   FB   FB   FB   FB   FB   RD   RD   400"),
    ("spotcheck-detail",            "finalised", "GET",   "LG   NF   NF   NF   NF   NF   NF   OK   OK   NF"),
    ("spotcheck-detail",            "published", "GET",   "LG   OK   OK   NF   NF   NF   NF   OK   OK   NF"),
    ("spotcheck-publish",           "finalised", "POST",  "LG   NF   NF   NF   NF   NF   NF   RD   RD   NF"),
    ("spotcheck-publish",           "published", "POST",  "LG   FB   FB   NF   NF   NF   NF   FB   FB   NF"),
    ("spotcheck-scoring",           "finalised", "GET",   "LG   NF   NF   NF   NF   NF   NF   OK   OK   NF"),
    ("spotcheck-scoring",           "finalised", "FORM",  "LG   NF   NF   NF   NF   NF   NF   RD   RD   NF"),
    ("spotcheck-scoring",           "published", "GET",   "LG   FB   FB   NF   NF   NF   NF   OK   OK   NF"),
    ("spotcheck-scoring",           "published", "FORM",  "LG   FB   FB   NF   NF   NF   NF   FB   FB   NF"),
    ("spotcheck-item-save",         "finalised", "POST",  "LG   NF   NF   NF   NF   NF   NF   OK   OK   NF"),
    ("spotcheck-item-save",         "published", "POST",  "LG   FB   FB   NF   NF   NF   NF   FB   FB   NF"),
    ("spotcheck-difference",        "finalised", "GET",   "LG   NF   NF   NF   NF   NF   NF   OK   OK   NF"),
    ("spotcheck-difference",        "published", "GET",   "LG   OK   OK   NF   NF   NF   NF   OK   OK   NF"),
    # --- 县委组织部: the county's pages (the published round is a round of 稷山县's county round) -----
    ("county-round-new",            "self",      "GET",   "LG   FB   FB   FB   FB   FB   FB   OK   OK   OK"),
    ("county-round-new",            "self",      "FORM",  "LG   FB   FB   FB   FB   FB   FB   RD   RD   RD"),
    ("county-round",                "published", "GET",   "LG   FB   FB   FB   FB   FB   FB   OK   OK   NF"),
    ("county-ranking",              "published", "GET",   "LG   FB   FB   FB   FB   FB   FB   OK   OK   NF"),
    ("county-export-summary",       "published", "GET",   "LG   FB   FB   FB   FB   FB   FB   OK   OK   NF"),
    ("county-export-rectifications", "published", "GET",  "LG   FB   FB   FB   FB   FB   FB   OK   OK   NF"),
    ("county-township",             "published", "GET",   "LG   FB   FB   FB   FB   FB   FB   OK   OK   NF"),
]
# fmt: on


# --- what each URL is called with, from the state's objects (tests/permissions_scenario.State) -------

def _today(days=0):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def _version(p):
    return Score.objects.get(assessment=p.assessment, item=p.item).version


ARGS = {
    "selfeval-checklist": lambda p: [p.assessment.pk],
    "selfeval-item-save": lambda p: [p.assessment.pk, p.item.pk],
    "selfeval-submit": lambda p: [p.assessment.pk],
    "selfeval-return": lambda p: [p.assessment.pk],
    "selfeval-extend": lambda p: [p.assessment.pk],
    "selfeval-overview": lambda p: [p.round.pk],
    "selfeval-remind": lambda p: [p.round.pk],
    "evidence-upload": lambda p: [p.assessment.pk, p.item.pk],
    "evidence-file": lambda p: [p.evidence.pk],
    "evidence-thumb": lambda p: [p.evidence.pk],
    "evidence-medium": lambda p: [p.evidence.pk],
    "evidence-remove": lambda p: [p.evidence.pk],
    "bonus-claim-save": lambda p: [p.assessment.pk, p.bonus.pk],
    "bonus-claim-withdraw": lambda p: [p.assessment.pk, p.bonus.pk],
    "onsite-overview": lambda p: [p.round.pk],
    "round-phase-set": lambda p: [p.round.pk],
    "round-detail": lambda p: [p.round.pk],
    "round-phase-confirm": lambda p: [p.round.pk],
    "round-phase-back": lambda p: [p.round.pk],
    "round-schedule": lambda p: [p.round.pk],
    "round-schedule-print": lambda p: [p.round.pk],
    "selfeval-skip": lambda p: [p.assessment.pk],
    "onsite-scoring": lambda p: [p.assessment.pk],
    "onsite-item-save": lambda p: [p.assessment.pk, p.item.pk],
    "onsite-veto-save": lambda p: [p.assessment.pk, p.veto.pk],
    "onsite-bonus-decide": lambda p: [p.assessment.pk, p.claim.pk],
    "onsite-finalise": lambda p: [p.assessment.pk],
    "onsite-reopen": lambda p: [p.assessment.pk],
    "notice-prepare": lambda p: [p.round.pk],
    "notice-propose": lambda p: [p.round.pk],
    "notice-days": lambda p: [p.round.pk],
    "notice-text": lambda p: [p.round.pk],
    "notice-publish": lambda p: [p.round.pk],
    "rectification-draft-save": lambda p: [p.draft.pk],
    "rectification-draft-remove": lambda p: [p.draft.pk],
    "rectification-draft-add": lambda p: [p.round.pk],
    "notice-detail": lambda p: [p.round.pk],
    "notice-docx": lambda p: [p.round.pk],
    "results-ranking": lambda p: [p.round.pk],
    "results-branch": lambda p: [p.assessment.pk],
    # the 待整改 item once published; before, the draft
    "rectification-detail": lambda p: [(p.rect_pending or p.draft).pk],
    "rectification-report": lambda p: [p.rect_pending.pk],
    "rectification-verify": lambda p: [p.rect_reported.pk],
    "rectification-return": lambda p: [p.rect_reported.pk],
    "rectification-board": lambda p: [p.round.pk],
    "export-rectifications": lambda p: [p.round.pk],
    "export-summary": lambda p: [p.round.pk],
    "export-sheet": lambda p: [p.assessment.pk],
    "plan-branch": lambda p: [2026, p.assessment.branch_id],
    "plan-record-new": lambda p: [2026, p.assessment.branch_id],
    "plan-record-edit": lambda p: [_plan(p).record.pk],
    "plan-record-delete": lambda p: [_plan(p).record.pk],
    "plan-record-file": lambda p: [_plan(p).file.pk],
    "plan-record-file-remove": lambda p: [_plan(p).file.pk],
    "plan-grid": lambda p: [2026],
    "plan-remind": lambda p: [2026, _plan(p).duty.pk],
    "plan-ledger": lambda p: [_plan(p) and 2026],
    "plan-close": lambda p: [2025],
    "plan-duties": lambda p: [p.round.standard_id],
    "plan-suggestions": lambda p: [p.assessment.pk],
    "plan-suggestion-accept": lambda p: [p.assessment.pk, p.item.pk],
    "model-withdraw": lambda p: [_demo(p).model.pk],
    "model-file": lambda p: [_demo(p).file.pk],
    "model-thumb": lambda p: [_demo(p).file.pk],
    "demo-site": lambda p: [_demo(p) and p.assessment.branch_id],
    "visit-new": lambda p: [_demo(p) and p.assessment.branch_id],
    "demo-site-theme": lambda p: [_demo(p) and p.assessment.branch_id],
    "visit-photo": lambda p: [_demo(p).photo.pk],
    "visit-thumb": lambda p: [_demo(p).photo.pk],
    "pairing-end": lambda p: [_demo(p).pairing.pk],
    "spotcheck-detail": lambda p: [_spot(p).check.pk],
    "spotcheck-publish": lambda p: [_spot(p).check.pk],
    "spotcheck-scoring": lambda p: [_spot(p).sample.pk],
    "spotcheck-item-save": lambda p: [_spot(p).sample.pk, p.item.pk],
    "spotcheck-difference": lambda p: [_spot(p).sample.pk],
    "county-round": lambda p: [_county(p).pk],
    "county-ranking": lambda p: [_county(p).pk],
    "county-export-summary": lambda p: [_county(p).pk],
    "county-export-rectifications": lambda p: [_county(p).pk],
    "county-township": lambda p: [p.round.township_id],
}


def _county(p):
    """稷山县's county round, of which the state's round is 化峪镇's (made once per test)."""
    from assessment.models import CountyRound

    if not hasattr(p, "county_round"):
        p.county_round = CountyRound.objects.create(county_id=p.round.township.county_id, standard=p.round.standard,
                                                    name="全县考核", year=p.round.year)
        Round.objects.filter(pk=p.round.pk).update(county_round=p.county_round)
    return p.county_round


def _demo(p):
    """化峪村 as a 示范点: a model of item 1 with a photo, a visit of 西段村 with a photo, a pairing
    with 西段村, and a third branch 张开东村 to pair with (made once per test)."""
    from django.core.files.base import ContentFile

    from assessment.models import Branch, ModelFile, ModelPractice, Pairing, User, Visit, VisitBranch, VisitPhoto

    if not hasattr(p, "demo"):
        alice = User.objects.get(username="alice")
        site = p.assessment.branch
        Branch.objects.filter(pk=site.pk).update(is_demonstration=True)
        third = Branch.objects.create(township_id=site.township_id, name="张开东村", order=3)
        model = ModelPractice.objects.create(township_id=site.township_id, item=p.item, branch=site, year=2025,
                                             title="支委会记录范本", description="每月5日前召开", marked_by=alice)
        data = png_bytes()
        file = ModelFile(practice=model, original_name="记录.png", content_type="image/png", size=len(data),
                         uploaded_by=alice)
        file.file.save("model.png", ContentFile(data), save=False)
        file.thumbnail.save("model-thumb.jpg", ContentFile(data), save=True)
        visit = Visit.objects.create(site=site, date=datetime.date(2026, 5, 10), topic="党群服务中心观摩",
                                     created_by=alice)
        VisitBranch.objects.create(visit=visit, branch=p.assessment2.branch, people="dave")
        photo = VisitPhoto(visit=visit, original_name="观摩.png", content_type="image/png", size=len(data),
                           uploaded_by=alice)
        photo.file.save("visit.png", ContentFile(data), save=False)
        photo.thumbnail.save("visit-thumb.jpg", ContentFile(data), save=True)
        pairing = Pairing.objects.create(site=site, helped=p.assessment2.branch, created_by=alice)
        p.demo = type("Demo", (), {"model": model, "file": file, "photo": photo, "pairing": pairing,
                                   "third": third})
    return p.demo


def _spot(p):
    """xian's spot check of 化峪村 in this state's round, every item re-scored in full (item 1 half a
    point lower); published in the published state (made once per test)."""
    from assessment.models import User
    from assessment.models_spot import SpotScore
    from assessment.services.spotcheck import spot_check_draw, spot_check_publish, spot_score_record

    if not hasattr(p, "spot"):
        xian = User.objects.get(username="xian")
        check = spot_check_draw(actor=xian, county=xian.county, year=p.round.year, name=f"抽查{p.round.pk}",
                                method="chosen", ticked=[p.assessment.pk])
        sample = check.samples.get()
        for row in SpotScore.objects.filter(sample=sample).select_related("item"):
            score = row.points - Decimal("0.5") if row.item_id == p.item.pk else row.points
            spot_score_record(sample=sample, item=row.item, actor=xian, score=score,
                              reason="记录不全" if score < row.points else "", version=0)
        if p.assessment.status == "published":
            spot_check_publish(spot_check=check, actor=xian)
        p.spot = type("Spot", (), {"check": check, "sample": sample})
    return p.spot


def _spot_version(p):
    from assessment.models_spot import SpotScore

    return SpotScore.objects.get(sample=_spot(p).sample, item=p.item).version


def _plan(p):
    """The duty of item 1 and a record of 化峪村 with one file (made once per test)."""
    from django.core.files.base import ContentFile

    from assessment.models import Duty, Record, RecordFile, User

    if not hasattr(p, "plan_record"):
        carol = User.objects.get(username="carol")
        duty, _ = Duty.objects.get_or_create(item=p.item, defaults={
            "name": "支委会", "period": "month", "per_period": 1, "rule": "per_missing", "deduction": Decimal("0.5")})
        record = Record.objects.create(branch=p.assessment.branch, duty=duty, date=datetime.date(2026, 1, 15),
                                       year=2026, month=1, topic="1月支委会", created_by=carol)
        data = png_bytes()
        file = RecordFile(record=record, original_name="记录.png", content_type="image/png", size=len(data),
                          uploaded_by=carol)
        file.file.save("record.png", ContentFile(data), save=True)
        p.plan_record = type("Plan", (), {"duty": duty, "record": record, "file": file})
    return p.plan_record

DATA = {
    "selfeval-checklist": lambda p: {f"score-{p.item.pk}": "1.5"},
    "selfeval-item-save": lambda p: {"score": "1.5", "note": "已对照检查"},
    "selfeval-return": lambda p: {"reason": "请补充会议记录的佐证材料"},
    "selfeval-extend": lambda p: {"until": _today(20)},
    "selfeval-remind": lambda p: {"branch": [p.assessment.branch_id]},
    "plan-remind": lambda p: {"confirm": "1"},  # asked and confirmed (bulk_confirm.html)
    "evidence-upload": lambda p: {"file": upload("会议记录.png", png_bytes())},
    "bonus-claim-save": lambda p: {"note": "获评市级先进基层党组织"},
    "round-phase-set": lambda p: {"phase": "onsite", "confirm": "1", "all": "skip",
                                  **{f"arrange-{pk}": "" for pk in p.round.assessments.values_list("pk", flat=True)}},
    "round-phase-back": lambda p: {"reason": "误操作"},
    "round-schedule": lambda p: {f"date-{p.assessment.pk}": _today(3), f"team-{p.assessment.pk}": [str(p.round.township.users.filter(role="assessor").first().pk)]},
    "onsite-scoring": lambda p: {f"version-{p.item.pk}": _version(p), f"score-{p.item.pk}": "1",
                                 f"reason-{p.item.pk}": "会议记录缺两次"},
    "onsite-item-save": lambda p: {"score": "1", "reason": "会议记录缺两次", "version": _version(p)},
    "onsite-veto-save": lambda p: {"action": "add", "note": "发现弄虚作假"},
    "onsite-bonus-decide": lambda p: {"decision": "approved", "note": "属实"},
    "onsite-finalise": lambda p: {"assessors_present": "bob、alice", "date": _today()},
    "onsite-reopen": lambda p: {"reason": "补充核查第1项"},
    "notice-propose": lambda p: {"include_deductions": "1"},
    "notice-days": lambda p: {"days": "20"},
    "notice-text": lambda p: {"text": "现将考核结果通报如下。"},
    "notice-publish": lambda p: {"confirm": "1", "text": "现将考核结果通报如下。", "number": "化党发〔2026〕4号"},
    "rectification-draft-save": lambda p: {"problem": "会议记录缺两次", "requirement": "补齐会议记录并说明原因",
                                           "deadline": _today(20), "responsible": "carol"},
    # 西段村's general problem (no item): 化峪村's item 1 is listed already
    "rectification-draft-add": lambda p: {"assessment": p.assessment2.pk, "item": "", "problem": "党员活动室制度未上墙",
                                          "requirement": "制度上墙并拍照留档", "deadline": _today(20), "responsible": ""},
    "rectification-report": lambda p: {"measures": "已补齐全年会议记录"},
    "rectification-verify": lambda p: {"note": "核验属实"},
    "rectification-return": lambda p: {"reason": "措施不够具体"},
    "plan-record-new": lambda p: {"duty": _plan(p).duty.pk, "date": "2026-02-10", "topic": "2月支委会"},
    "plan-record-edit": lambda p: {"date": "2026-01-16", "topic": "1月支委会（改）"},
    "plan-duties": lambda p: {"action": "save", "item": p.item.pk, "name": "支委会（改）", "period": "month",
                              "per_period": "1", "unit": "次", "rule": "per_missing", "deduction": "0.5"},
    "plan-suggestion-accept": lambda p: {"score": "1", "note": "据年度记录"},
    "model-mark": lambda p: {"item": p.item.pk, "branch": _demo(p) and p.assessment.branch_id, "title": "三张清单",
                             "description": "问题、任务、责任三张清单上墙", "year": "2025",
                             "file": upload("清单.png", png_bytes())},
    "model-withdraw": lambda p: {"reason": "已有更好的做法"},
    "demo-site-theme": lambda p: {"theme": "党群服务中心", "models_for": "便民服务"},
    "visit-new": lambda p: {"date": "2026-06-01", "topic": "乡村振兴观摩", "branch": [p.assessment2.branch_id],
                            f"people-{p.assessment2.branch_id}": "dave", "hours": "2"},
    # the superuser names the county; a county user's is their own (the field is not theirs)
    "county-round-new": lambda p: {"county": p.round.township.county_id, "name": "2027年度全县考核", "year": "2027",
                                   "standard": p.round.standard_id, "self_end": "2027-12-15"},
    "pairings": lambda p: {"site": p.assessment.branch_id, "helped": _demo(p).third.pk, "note": "组织生活"},
    "spotcheck-new": lambda p: {"county": p.round.township.county_id, "year": p.round.year, "name": "抽查复核（新）",
                                "method": "chosen", "ticked": [p.assessment.pk], "threshold": "5"},
    "spotcheck-scoring": lambda p: {f"version-{p.item.pk}": _spot_version(p), f"score-{p.item.pk}": "1",
                                    f"reason-{p.item.pk}": "会议记录缺两次"},
    "spotcheck-item-save": lambda p: {"score": "1", "reason": "会议记录缺两次", "version": _spot_version(p)},
}

# POSTs that change nothing the fingerprint sees, even when allowed.
NO_WRITE = {"logout", "models-carry-over"}  # carry-over: nothing of an older version in the scenario

# The evidence and bonus endpoints are asked as static/huayu/evidence.js asks them.
HEADERS = {name: {"X-Requested-With": "fetch"} for name in (
    "evidence-upload", "evidence-remove", "bonus-claim-save", "bonus-claim-withdraw")}


# --- the URL patterns of the project ------------------------------------------------------------------

SKIPPED_PREFIXES = ("static/", "media/")  # files, not views: none are served by Django here


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None  # "admin:index" for a namespaced one
    namespace: str | None
    kwargs: tuple

    @property
    def key(self):
        return self.name or self.route


def walk(patterns=None, prefix="", namespace=None):
    """Every URL pattern under `patterns` (the project's, by default), resolvers followed."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace]))
            yield from walk(p.url_patterns, route, ns or None)
        else:
            assert isinstance(p, URLPattern)
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield Pattern(route, name, namespace, tuple(p.pattern.regex.groupindex))


ALL_PATTERNS = list(walk())
SKIPPED = [p for p in ALL_PATTERNS if p.route.startswith(SKIPPED_PREFIXES)]
ADMIN = [p for p in ALL_PATTERNS if p.namespace == "admin"]
APP = [p for p in ALL_PATTERNS if p.namespace != "admin" and p not in SKIPPED]


# --- one request ------------------------------------------------------------------------------------

def fingerprint():
    """Cheap, and moves with every write a view can make."""
    return (
        Score.objects.count(), AuditLog.objects.count(), Rectification.objects.count(),
        Evidence.objects.count(), BonusClaim.objects.count(), VetoFinding.objects.count(),
        Message.objects.filter(read_at__isnull=True).count(),
        Score.objects.aggregate(m=Max("updated_at"))["m"], Assessment.objects.aggregate(m=Max("updated_at"))["m"],
        AuditLog.objects.aggregate(m=Max("pk"))["m"],
        tuple(Round.objects.order_by("pk").values_list("phase", "published_at", "notice_text", "rectification_days")),
        tuple(Rectification.objects.order_by("pk").values_list("status", "problem", "deadline")),
    )


def outcome(response):
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        if location.path == reverse("login") and "next=" in location.query:
            return "LG"
        return "RD"
    return STATUS.get(response.status_code, str(response.status_code))


def body(response):
    if response.streaming:
        return b""
    return response.content


def is_html(response):
    return response.get("Content-Type", "").startswith("text/html")


def is_json(response):
    return response.get("Content-Type", "").startswith("application/json")


CJK = re.compile(r"[\u4e00-\u9fff]")


def says_why(response):
    """A refusal a person can read: a reason in JSON, or a page in Chinese, not the bare
    "403 Forbidden" of Django's default handler (the project has no 403.html)."""
    if is_json(response):
        return bool(response.json().get("error"))
    return bool(CJK.search(body(response).decode("utf-8", "replace")))


def errors_shown(response):
    """Error messages the view queued for the user (shown on the next page)."""
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR]


@dataclass
class Result:
    code: str
    changed: bool
    response: object


def request(cast, caller, method, url, data=None, headers=None, **client_options):
    """One request by `caller` (a name of the cast) in a savepoint that is rolled back: the
    scenario stays as built."""
    with transaction.atomic():
        client = Client(**client_options)
        if caller != "anon":
            client.force_login(getattr(cast, caller))
        before = fingerprint()
        if method == "GET":
            response = client.get(url, headers=headers or {})
        else:
            response = client.post(url, data or {}, headers=headers or {})
        if response.streaming:  # read to the end: the test client then closes it (and the file)
            response.streamed = b"".join(response.streaming_content)
        changed = fingerprint() != before
        transaction.set_rollback(True)
    return Result(outcome(response), changed, response)


@pytest.fixture
def scenario(cast):
    return build(cast)


def check_row(scenario, row):
    """Every caller on one row: a list of what went wrong (empty when all is as the table says)."""
    name, state_name, method, cells = row
    state = scenario[state_name] if state_name else None
    url = reverse(name, args=ARGS[name](state) if name in ARGS else [])
    where = f"{name} [{state_name or '-'} {method}]"
    problems, checks = [], 0
    cells = cells.split()
    assert len(cells) == len(CALLERS), f"{where}: {len(cells)} cells for {len(CALLERS)} callers"
    for caller, cell in zip(CALLERS, cells):
        expected, known = cell.rstrip("!"), cell.endswith("!")
        data = DATA[name](state) if method != "GET" and name in DATA else {}
        result = request(scenario.cast, caller, "GET" if method == "GET" else "POST", url, data, HEADERS.get(name))
        response = result.response
        checks += 1
        found = []
        if result.code != expected:
            found.append(f"expected {expected}, got {result.code} ({response.status_code})")
        if is_html(response) and "Content-Security-Policy" not in response:
            found.append("HTML without a Content-Security-Policy header")
        if result.code == "FB" and not says_why(response):
            found.append("403 without a reason a person can read")
        if result.code in ("OK", "RD") and expected in ("OK", "RD"):
            shown = errors_shown(response)
            if shown:
                found.append(f"allowed, but the view refused: {shown}")
            if is_json(response) and response.json().get("ok") is False:
                found.append(f"allowed, but the JSON says {response.json()}")
        if method != "GET" and expected not in ("OK", "RD") and result.changed:
            found.append(f"refused ({result.code}) but the database changed")
        if method != "GET" and result.code == expected in ("OK", "RD") and not result.changed and name not in NO_WRITE:
            found.append("allowed, but nothing was written (or the fingerprint misses it)")
        label = f"{where} {caller}"
        if known and not found:
            problems.append(f"{label}: marked as a bug (!) but now answers as the product wants: remove the mark")
        for text in found:
            problems.append(f"{label}: {text}" + ("  [permission bug marked in the table]" if known else ""))
    if method == "POST":  # a POST-only endpoint: GET is 405 for those allowed to POST
        for caller, cell in zip(CALLERS, cells):
            if cell.rstrip("!") in ("OK", "RD"):
                result = request(scenario.cast, caller, "GET", url, headers=HEADERS.get(name))
                checks += 1
                if result.code != "NA" or result.changed:
                    problems.append(f"{where} {caller}: GET expected NA, got {result.code}"
                                    + (" and the database changed" if result.changed else ""))
    return problems, checks


# --- the table, one test per URL pattern ---------------------------------------------------------------

@pytest.mark.parametrize("pattern", APP, ids=[p.key for p in APP])
def test_permissions(scenario, pattern):
    assert pattern.name, f"URL pattern /{pattern.route} has no name: give it one and a row in TABLE"
    rows = [row for row in TABLE if row[0] == pattern.name]
    assert rows, (f"URL pattern {pattern.name!r} (/{pattern.route}) has no row in the permission table "
                  f"(tests/test_permissions.py TABLE): add one")
    problems = []
    for row in rows:
        problems += check_row(scenario, row)[0]
    assert not problems, "\n".join(problems)


def test_table_names_only_existing_patterns():
    names = {p.name for p in APP}
    stale = sorted({row[0] for row in TABLE} - names)
    assert not stale, f"rows for URL names that no longer exist: {stale}"
    assert set(ARGS) <= names and set(DATA) <= names and set(HEADERS) <= names
    for row in TABLE:
        assert row[1] is None or row[1] in ("self", "submitted", "onsite", "finalised", "published"), row
        assert row[2] in ("GET", "POST", "FORM"), row


def test_only_static_and_media_are_skipped():
    assert all(p.route.startswith(SKIPPED_PREFIXES) for p in SKIPPED)
    assert ADMIN and APP and len(ADMIN) + len(APP) + len(SKIPPED) == len(ALL_PATTERNS)


# --- a POST without the CSRF token is refused -------------------------------------------------------

CSRF_CASES = [
    ("selfeval-item-save", "self", "carol"),
    ("evidence-upload", "self", "carol"),
    ("notice-publish", "finalised", "alice"),
    ("rectification-draft-add", "finalised", "alice"),
    ("rectification-verify", "published", "alice"),
    ("selfeval-return", "submitted", "alice"),
]


@pytest.mark.parametrize("name, state_name, caller", CSRF_CASES, ids=[c[0] for c in CSRF_CASES])
def test_post_without_csrf_token_is_refused(scenario, name, state_name, caller):
    state = scenario[state_name]
    url = reverse(name, args=ARGS[name](state))
    result = request(scenario.cast, caller, "POST", url, DATA.get(name, lambda p: {})(state), HEADERS.get(name),
                     enforce_csrf_checks=True)
    assert result.response.status_code == 403
    assert not result.changed
    # The same post with the token goes through: it was the token that was missing.
    with transaction.atomic():
        client = Client(enforce_csrf_checks=True)
        client.force_login(getattr(scenario.cast, caller))
        client.get(reverse("home"))
        token = client.cookies["csrftoken"].value
        response = client.post(url, DATA.get(name, lambda p: {})(state),
                               headers={**HEADERS.get(name, {}), "X-CSRFToken": token})
        assert response.status_code in (200, 302)
        transaction.set_rollback(True)


# --- the admin site -------------------------------------------------------------------------------

def admin_model_of(name):
    """The model whose admin URL `name` (admin:assessment_round_change) is."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name and name.startswith(prefix):
            return model
    return None


def admin_kwargs(pattern, objects):
    kwargs = {}
    for key in pattern.kwargs:
        if key == "app_label":
            kwargs[key] = "assessment"
        elif key in ("object_id", "id"):
            model = admin_model_of(pattern.name) or _model_of_route(pattern.route)
            kwargs[key] = str(objects[model].pk)
        elif key == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            kwargs[key] = str(ContentType.objects.get_for_model(Round).pk)
        elif key == "url":
            kwargs[key] = "no-such-page/"
        else:
            raise AssertionError(f"admin pattern {pattern.route!r}: no value for {key!r}")
    return kwargs


def _model_of_route(route):
    for model in admin.site._registry:
        if f"/{model._meta.app_label}/{model._meta.model_name}/" in f"/{route}":
            return model
    if route.startswith("admin/r/"):
        return Round
    raise AssertionError(f"no model for admin route {route!r}")


def admin_url(pattern, objects):
    kwargs = admin_kwargs(pattern, objects)
    if pattern.name:
        return reverse(pattern.name, kwargs=kwargs)
    path = pattern.route.removeprefix("admin/")
    for key, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{key}>|\(\?P<{key}>[^)]*\)", value, path)
    return "/admin/" + path.lstrip("^").rstrip("$")


@pytest.fixture
def admin_objects(cast):
    """One row of every model the admin shows (lighter than the scenario: the admin checks
    only who gets in)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    item = cast.standard.items.order_by("number").first()
    evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("合影.png", png_bytes()), item=item)
    bonus_claim_save(assessment=cast.assessment, bonus=cast.standard.bonuses.first(), actor=cast.carol, note="先进")
    VetoFinding.objects.create(assessment=cast.assessment2, veto=cast.standard.vetoes.first(), note="存疑")
    Rectification.objects.create(assessment=cast.assessment, item=item, problem="问题", requirement="要求",
                                 deadline=datetime.date.today())
    Message.objects.create(user=cast.carol, text="提醒")
    Group.objects.create(name="考评组")
    common = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "bob", "http_accept": "*/*",
              "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**common)
    AccessFailureLog.objects.create(**common)
    from assessment.models_spot import SpotCheck, SpotSample, SpotScore

    spot = SpotCheck.objects.create(county=cast.county, year=2026, name="抽查复核", method="chosen", drawn_by=cast.xian)
    sample = SpotSample.objects.create(spot_check=spot, assessment=cast.assessment, reason="ticked")
    SpotScore.objects.create(sample=sample, item=item, points=item.points)
    objects = {model: model.objects.order_by("pk").first() for model in admin.site._registry}
    missing = [model.__name__ for model, obj in objects.items() if obj is None]
    assert not missing, f"no {missing} for the admin's change pages"
    return objects


ROOT_CHECKED = re.compile(r"_(changelist|add|change)$")

# The standard import answers a logged-in non-admin with Django's bare 403 page rather than sending
# them to the admin's login like every other admin page (assessment/admin_import.py, guard()).
ADMIN_KNOWN = set()


@pytest.mark.parametrize("pattern", ADMIN, ids=[p.key for p in ADMIN])
def test_admin_is_for_staff_only(cast, admin_objects, pattern):
    """Anonymous and non-staff users (an assessor, a secretary) are sent to the admin's login;
    the superuser gets the pages without required arguments and each model's changelist, add
    and change pages."""
    url = admin_url(pattern, admin_objects)
    login = reverse("admin:login")
    problems = []
    for caller in ("anon", "bob", "carol"):
        result = request(cast, caller, "GET", url)
        response = result.response
        location = urlsplit(response.get("Location", ""))
        if pattern.name == "admin:login":
            ok = response.status_code == 200
        elif pattern.name == "admin:logout":  # Django sends a non-staff logout to the index (→ login)
            ok = response.status_code == 302 and location.path == reverse("admin:index")
        else:
            ok = response.status_code == 302 and location.path == login and "next=" in location.query
        if not ok:
            known = "  [permission bug marked in ADMIN_KNOWN]" if pattern.name in ADMIN_KNOWN else ""
            problems.append(f"{pattern.key} {caller}: expected 302 to the admin login, got {response.status_code} "
                            f"{response.get('Location', '')}{known}")
        if is_html(response) and "Content-Security-Policy" not in response:
            problems.append(f"{pattern.key} {caller}: HTML without a Content-Security-Policy header")
    if not pattern.kwargs or ROOT_CHECKED.search(pattern.name or ""):
        result = request(cast, "root", "GET", url)
        status = result.response.status_code
        model = admin_model_of(pattern.name)
        if pattern.name == "admin:login":
            expected = 302  # already logged in: to the index
        elif pattern.name == "admin:logout":
            expected = 405  # logging out is a POST
        elif pattern.name == "admin:autocomplete":
            expected = 403  # without its query parameters
        elif pattern.name == "admin:assessment_standard_import_preview":
            expected = 302  # nothing uploaded yet: back to the upload
        elif pattern.name == "admin:assessment_standard_import_confirm":
            expected = 405  # confirming is a POST
        elif pattern.name == "admin:assessment_branch_roster_preview":
            expected = 302  # no roster uploaded yet: back to the upload
        elif pattern.name in ("admin:assessment_branch_roster_confirm", "admin:assessment_branch_account_sheet"):
            expected = 405  # importing, and taking the one-time passwords, are POSTs
        elif pattern.name.endswith("_add") and not _can_add(model, cast.root):
            expected = 403  # a read-only model (evidence, scores, audit log…)
        else:
            expected = 200
        if status != expected:
            problems.append(f"{pattern.key} root: expected {expected}, got {status}")
    assert not problems, "\n".join(problems)


def _can_add(model, user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return admin.site._registry[model].has_add_permission(request)
