from django.core.management import call_command
from django.db.models import F

from assessment.models import Assessment, AuditLog, Branch, Item, Rectification, Role, Round, Score, Standard, User


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
    huayu = {"township__name": "化峪镇"}
    assert User.objects.filter(role=Role.ADMIN, **huayu).count() == 1
    assert User.objects.filter(role=Role.ASSESSOR, **huayu).count() == 2
    assert User.objects.filter(role=Role.SECRETARY, **huayu).count() == 25
    assert set(User.objects.filter(role=Role.SECRETARY).values_list("branch", flat=True)) == set(
        Branch.objects.values_list("id", flat=True))
    assert Item.objects.filter(standard__name="化峪镇党支部规范化建设考核验收标准（2026年版）").count() == 56
    current = Round.objects.get(name="2026年度规范化建设考核验收")
    assert current.phase == "self" and current.assessments.count() == 25
    assert Score.objects.filter(assessment__round=current).count() == 25 * 56
    # Nobody has self-scored yet, bar the two branches helped by a 示范点 (assessment/demo_models.py).
    assert not Score.objects.filter(assessment__round=current, self_score__isnull=False).exclude(
        assessment__branch__name__in=("坡底村", "太平村")).exists()
    # Last year's round is finished and published, with rectification items to follow.
    last = Round.objects.get(name="2025年度规范化建设考核验收", township__name="化峪镇")
    assert last.published_at and not Score.objects.filter(assessment__round=last, onsite_score__isnull=True).exists()
    assert Rectification.objects.filter(assessment__round=last).count() > 10
    assert "zhen_admin" in out and "shuji01" in out and "huayu2026" in out


def test_demo_logins_work(client, db):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"username": "shuji01", "password": "huayu2026"}, follow=True)
    assert "化峪村" in response.content.decode()


def test_a_second_start_leaves_what_people_changed_alone(db, capsys):
    """dev.py run calls seed_demo on every start: only an empty database gets the demo."""
    call_command("seed_demo")
    User.objects.get(username="kaoping2").delete()
    admin = User.objects.get(username="zhen_admin")
    admin.set_password("only-the-office-knows-9")
    admin.display_name = "组织委员 新"
    admin.save()
    User.objects.filter(username="kaoping1").update(branch=Branch.objects.get(name="化峪村"), role=Role.SECRETARY)
    Branch.objects.filter(name="西段村").update(name="西段新村")
    Round.objects.filter(name="2026年度规范化建设考核验收").update(name="2026年度考核（本镇）")
    capsys.readouterr()
    before = snapshot()

    call_command("seed_demo")

    assert "数据库中已有数据，未加载演示数据" in capsys.readouterr().out
    assert snapshot() == before
    assert not User.objects.filter(username="kaoping2").exists()
    admin = User.objects.get(username="zhen_admin")
    assert admin.check_password("only-the-office-knows-9") and not admin.check_password("huayu2026")
    assert admin.display_name == "组织委员 新"
    assert User.objects.get(username="kaoping1").role == Role.SECRETARY
    assert not Branch.objects.filter(name="西段村").exists()
    assert not Round.objects.filter(name="2026年度规范化建设考核验收").exists()


def test_reset_loads_the_demo_again_on_purpose(db, capsys):
    call_command("seed_demo")
    User.objects.get(username="kaoping2").delete()
    call_command("seed_demo", "--reset")
    assert User.objects.get(username="kaoping2").check_password("huayu2026")
    assert "演示账号" in capsys.readouterr().out


def test_a_database_with_an_account_gets_no_demo(db):
    User.objects.create_user("office", password="x-9-long-enough")
    call_command("seed_demo")
    assert not Branch.objects.exists() and User.objects.count() == 1


def test_the_demo_is_consistent(db):
    """Before: the 2025 round on the 2026 standard; problems unrelated to their items; secretaries
    named after their branch; deductions without a reason; a second run recorded round_prepare."""
    call_command("seed_demo")
    audit_records = AuditLog.objects.count()
    call_command("seed_demo")
    assert AuditLog.objects.count() == audit_records
    last = Round.objects.get(name="2025年度规范化建设考核验收", township__name="化峪镇")
    assert last.standard.name == "化峪镇党支部规范化建设考核验收标准（2025年版）"
    assert Round.objects.get(name="2026年度规范化建设考核验收").standard.name.endswith("（2026年版）")
    for r in Rectification.objects.filter(assessment__round=last).select_related("item"):
        assert r.item.content[:30].rstrip("。；;，,") in r.problem or (r.item.evidence or "@")[:10] in r.problem, r.problem
    names = list(User.objects.filter(role=Role.SECRETARY, township__name="化峪镇").values_list("display_name", flat=True))
    assert len(set(names)) == 25 and not any("支部" in name for name in names)
    assert User.objects.get(username="shuji01").display_name == "张建国"
    assert not Score.objects.filter(onsite_score__lt=F("points"), deduction_reason="").exists()


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


def test_the_demo_county_has_three_townships_a_county_user_and_a_finished_county_round(client, db, capsys):
    from assessment.models import CountyRound, Status

    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "xian_admin" in out and "zd_admin" in out and "xs_shuji01" in out
    county_round = CountyRound.objects.get(county__name="稷山县", year=2025)
    rounds = list(county_round.rounds.order_by("township__name"))
    assert sorted(r.township.name for r in rounds) == sorted(["化峪镇", "翟店镇", "西社镇"])
    assert all(r.published_at and r.standard == county_round.standard for r in rounds)
    assert county_round.standard.county == county_round.county
    for name, branches in (("翟店镇", 7), ("西社镇", 6)):
        assert Branch.objects.filter(township__name=name).count() == branches
        assert User.objects.filter(role=Role.SECRETARY, township__name=name).count() == branches
        assert not Assessment.objects.filter(round__township__name=name).exclude(status=Status.PUBLISHED).exists()
    xian = User.objects.get(username="xian_admin")
    assert (xian.role, xian.county.name, xian.township, xian.is_staff) == (Role.COUNTY, "稷山县", None, True)
    client.post("/accounts/login/", {"username": "xian_admin", "password": "huayu2026"})
    html = client.get("/").content.decode()
    assert "2025年度规范化建设考核验收" in html and "翟店镇" in html and "西社镇" in html
    snapshot_before = snapshot()
    call_command("seed_demo", "--reset")
    assert snapshot() == snapshot_before and CountyRound.objects.count() == 1
