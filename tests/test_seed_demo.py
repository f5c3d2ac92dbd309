from django.core.management import call_command

from assessment.models import Assessment, Branch, Item, Rectification, Role, Round, Score, Standard, User


def snapshot():
    return {
        "branches": sorted(Branch.objects.values_list("name", "kind", "is_demonstration")),
        "users": sorted(User.objects.values_list("username", "role", "branch__name")),
        "standards": list(Standard.objects.values_list("name", "version")),
        "rounds": list(Round.objects.values_list("name", "phase", "standard__version")),
        "assessments": Assessment.objects.count(),
        "scores": sorted(map(str, Score.objects.values_list("assessment__branch__name", "item__number", "self_score", "onsite_score"))),
        "rectifications": Rectification.objects.count(),
    }


def test_seed_demo_creates_the_township_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first

    assert Branch.objects.filter(township__name="化峪镇").count() == 25
    for name in ["化峪村", "西段村", "张开东村", "张开西村", "胡家庄村", "付家庄村", "西堡村", "邢堡村",
                 "化峪镇机关", "化峪镇中心校", "化峪镇卫生院"]:
        assert Branch.objects.filter(name=name).exists(), name
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert User.objects.filter(role=Role.ASSESSOR).count() == 2
    assert User.objects.filter(role=Role.SECRETARY).count() == 25
    assert set(User.objects.filter(role=Role.SECRETARY).values_list("branch", flat=True)) == set(
        Branch.objects.values_list("id", flat=True))
    assert Item.objects.count() == 56
    current = Round.objects.get(name="2026年度规范化建设考核验收")
    assert current.phase == "self" and current.assessments.count() == 25
    assert Score.objects.filter(assessment__round=current).count() == 25 * 56
    # Nobody has self-scored yet, bar the two branches helped by a 示范点 (assessment/demo_models.py).
    assert not Score.objects.filter(assessment__round=current, self_score__isnull=False).exclude(
        assessment__branch__name__in=("坡底村", "太平村")).exists()
    # Last year's round is finished and published, with rectification items to follow.
    last = Round.objects.get(name="2025年度规范化建设考核验收")
    assert last.published_at and not Score.objects.filter(assessment__round=last, onsite_score__isnull=True).exists()
    assert Rectification.objects.filter(assessment__round=last).count() > 10
    assert "zhen_admin" in out and "shuji01" in out and "huayu2026" in out


def test_demo_logins_work(client, db):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"username": "shuji01", "password": "huayu2026"}, follow=True)
    assert "化峪村" in response.content.decode()


def test_seed_demo_has_the_demonstration_sites_models_a_visit_and_two_pairings_that_improved(db):
    from assessment.models import DemoSite, ModelPractice, Pairing, Record, Visit
    from assessment.selectors_demo import pairings

    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(DemoSite.objects.values_list("branch__name", flat=True)) == sorted(
        ["化峪村", "西段村", "张开东村", "张开西村"])
    models = ModelPractice.objects.filter(withdrawn_at__isnull=True)
    assert models.count() == 12 and models.values("item").distinct().count() == 12
    assert set(models.values_list("branch__name", flat=True)) == {"化峪村", "西段村", "张开东村", "张开西村"}
    assert all(m.files.count() == 1 for m in models)
    visit = Visit.objects.get()
    assert visit.visitors.count() == 4 and visit.photos.count() == 2
    assert Record.objects.filter(topic__startswith="观摩学习", branch__name="坡底村").count() == 1
    township = visit.site.township
    results = pairings(township.pk)
    assert Pairing.objects.count() == 2 and len(results) == 2
    for result in results:
        assert [f.round.year for f in result.rounds] == [2025, 2026] and result.improved, result.rounds
