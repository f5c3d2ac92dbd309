"""What a screen reader says on the two scoring pages and the login: every field named with its
item's number and a short name, an error tied to its field (aria-invalid, aria-describedby to
the message beside the score), a wrong password marked on both inputs."""

import lxml.html
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.test_services_onsite import items, onsite_ready
from tests.views.test_onsite_scoring import form_data


def tree(response):
    return lxml.html.fromstring(response.content.decode())


def described(doc, field):
    """The text of what aria-describedby points to (one id, present on the page)."""
    ids = field.get("aria-describedby", "").split()
    assert ids, f"{field.get('name')} has no aria-describedby"
    return " ".join(doc.get_element_by_id(i).text_content() for i in ids)


def test_checklist_fields_are_named_by_item_and_tied_to_their_status(client, cast):
    client.force_login(cast.carol)
    doc = tree(client.get(reverse("selfeval-checklist", args=[cast.assessment.pk])))
    for item in items(cast):
        score = doc.get_element_by_id(f"item-{item.pk}").cssselect(f"input[name=score-{item.pk}]")[0]
        note = doc.cssselect(f"textarea[name=note-{item.pk}]")[0]
        assert score.get("aria-label") == f"第{item.number}项 自评得分，满分2分"
        assert note.get("aria-label") == f"第{item.number}项 自评说明"
        assert score.get("aria-invalid") is None
        status = doc.get_element_by_id(score.get("aria-describedby"))
        assert status.get("role") == "status" and "sr-status" in status.get("class")
    names = [el.get("aria-label") for el in doc.cssselect("input[name^=score-], textarea[name^=note-]")]
    assert len(names) == len(set(names)) == 2 * len(items(cast))  # no two fields sound the same


def test_checklist_error_is_marked_on_the_score_and_stands_beside_it(client, cast):
    client.force_login(cast.carol)
    first, second = items(cast)[:2]
    data = {f"score-{i.pk}": "" for i in items(cast)} | {f"note-{i.pk}": "" for i in items(cast)}
    data[f"score-{second.pk}"] = "3"
    response = client.post(reverse("selfeval-checklist", args=[cast.assessment.pk]), data)
    assert response.status_code == 400
    doc = tree(response)
    wrong = doc.cssselect(f"input[name=score-{second.pk}]")[0]
    assert wrong.get("aria-invalid") == "true" and "is-invalid" in wrong.get("class")
    assert described(doc, wrong) == "得分应在 0 到 2 分之间。"
    # the message follows the score, before the note
    row = doc.get_element_by_id(f"item-{second.pk}")
    order = [el.get("class").split()[0] for el in row if el.get("class")]
    assert order.index("sr-status") == order.index("sr-score") + 1 < order.index("sr-note")
    right = doc.cssselect(f"input[name=score-{first.pk}]")[0]
    assert right.get("aria-invalid") is None and described(doc, right) == ""


def test_onsite_fields_are_named_by_item_and_an_error_tied_to_the_score(client, cast):
    onsite_ready(cast)
    first, second = items(cast)[:2]
    client.force_login(cast.bob)
    response = client.post(reverse("onsite-scoring", args=[cast.assessment.pk]),
                           form_data(cast, {first: ("1", ""), second: ("2", "")}))
    assert response.status_code == 400
    doc = tree(response)
    for item in items(cast):
        n = item.number
        labels = {name: doc.cssselect(f"[name={name}-{item.pk}]")[0].get("aria-label")
                  for name in ("score", "reason", "rect", "requirement")}
        assert labels == {"score": f"第{n}项 考评得分，满分2分", "reason": f"第{n}项 扣分原因",
                          "rect": f"第{n}项 需整改", "requirement": f"第{n}项 整改要求"}
    wrong = doc.cssselect(f"input[name=score-{first.pk}]")[0]
    assert wrong.get("aria-invalid") == "true"
    assert "必须填写扣分原因" in described(doc, wrong)
    # the message inside the score's block, right under the input, not below the other fields
    assert doc.get_element_by_id(wrong.get("aria-describedby")).getparent().get("class") == "or-score"
    ok = doc.cssselect(f"input[name=score-{second.pk}]")[0]
    assert ok.get("aria-invalid") is None and described(doc, ok) == ""


def test_login_wrong_password_is_marked_on_the_inputs(client, cast):
    response = client.post(reverse("login"), {"username": "carol", "password": "wrong"})
    doc = tree(response)
    for name in ("username", "password"):
        field = doc.cssselect(f"input[name={name}]")[0]
        assert field.get("aria-invalid") == "true"
        assert described(doc, field) == "用户名或密码不正确，请重新输入。"
    doc = tree(client.get(reverse("login")))
    assert doc.cssselect("input[name=password]")[0].get("aria-invalid") is None
    assert client.post(reverse("login"), {"username": "carol", "password": PASSWORD}).status_code == 302
