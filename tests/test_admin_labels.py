"""Django admin in Chinese: the login-throttling app's models, the user-add help, and the audit
log's actions shown as labels (in the list and in its filter), not as codes."""

import re

import pytest

from assessment.services.base import audit

ENGLISH = re.compile(r"[A-Za-z][A-Za-z ’',:\-]{14,}")


def visible_text(html):
    html = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    return " ".join(html.split())


@pytest.mark.parametrize("url", ["/admin/", "/admin/assessment/user/add/"])
def test_no_english_sentences(client, cast, url):
    client.force_login(cast.root)
    text = visible_text(client.get(url).content.decode())
    assert ENGLISH.findall(text) == []
    for word in ("Axes", "AXES", "Access attempts", "Access failures", "Access logs"):
        assert word not in text


def test_audit_actions_as_labels(client, cast):
    audit(actor=cast.alice, action="onsite_finalise", assessment=cast.assessment, field="status",
          old="onsite", new="finalised")
    audit(actor=cast.carol, action="self_submit", assessment=cast.assessment, field="status", old="self",
          new="submitted")
    client.force_login(cast.root)
    html = client.get("/admin/assessment/auditlog/").content.decode()
    text = visible_text(html)
    assert "确认考评完成" in text and "提交自评" in text
    assert "onsite_finalise" not in text and "self_submit" not in text
    assert "考评中 → 考评完成" in text or ("考评中" in text and "考评完成" in text)


def test_every_audit_action_the_code_writes_has_a_chinese_label():
    """The audit log's list and filter show labels; a code written somewhere without one would
    show raw (admin_add, record_delete …)."""
    import re
    from pathlib import Path

    from assessment.audit_labels import ACTIONS

    labelled = {code for code, _label in ACTIONS}
    written = set()
    for path in Path("assessment").rglob("*.py"):
        if "commands" in path.parts:
            continue  # argparse's action="store_true"
        written |= set(re.findall(r'action="([a-z_]+)"', path.read_text(encoding="utf-8")))
        written |= set(re.findall(r'"(admin_[a-z]+)"', path.read_text(encoding="utf-8")))
    assert written and written <= labelled, sorted(written - labelled)
