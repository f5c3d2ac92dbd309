"""seed_demo's 抽查复核: the county's spot check of six branches of its finished 2025 county round,
every item re-scored, published, one township flagged; its admin sees it, the others' branches not."""

from django.core.management import call_command

from assessment.models_spot import SpotCheck, SpotScore
from assessment.selectors_spot import spot_check_rows


def test_the_demo_county_has_a_published_spot_check_of_six_branches_with_one_township_flagged(client, db):
    call_command("seed_demo")
    spot = SpotCheck.objects.get(county__name="稷山县")
    assert spot.published_at and spot.seed == 2025 and spot.county_round.year == 2025
    assert spot.samples.count() == 6
    assert not SpotScore.objects.filter(sample__spot_check=spot, score__isnull=True).exists()
    samples, townships = spot_check_rows(spot)
    assert [t.name for t in townships if t.flagged] == ["化峪镇"]
    assert any(r.difference for r in samples if r.township != "化峪镇"), "small differences elsewhere"
    client.post("/accounts/login/", {"username": "zhen_admin", "password": "huayu2026"})
    html = client.get(f"/spotchecks/{spot.pk}/").content.decode()
    assert "评分差异大" in html and "翟店镇" not in html and "西社镇" not in html
    call_command("seed_demo", "--reset")
    assert SpotCheck.objects.count() == 1 and SpotScore.objects.filter(sample__spot_check=spot).count() == 6 * 56
