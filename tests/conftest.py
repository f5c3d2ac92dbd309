"""The fixed cast of every test.

Township 化峪镇: alice (township admin), bob (assessor), carol (secretary of
化峪村), dave (secretary of 西段村). Township 其他镇: eve (its admin) and frank
(secretary of 外镇村) — strangers to everything in 化峪镇.
County 稷山县 (化峪镇): xian (县委组织部). County 外县 (其他镇): waixian (县委组织部) — a
stranger to everything in 稷山县.
"""

import datetime
import os
import tempfile
from decimal import Decimal

import pytest

from assessment.models import (
    Area, Bonus, Branch, BranchKind, County, Grade, GradeBand, Item, Phase, Role, Round, Standard,
    Township, User, Veto,
)
from assessment.services.rounds import round_prepare

PASSWORD = "pw-for-tests-9"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a file rather than in memory: the browser tests' live server writes
    from other threads, and a file database lets a writer wait for another (the in-memory
    shared cache refuses at once with "table is locked")."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = os.path.join(tempfile.gettempdir(), f"huayu-test-{os.getpid()}.sqlite3")


@pytest.fixture(autouse=True)
def _plain_static(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "assessment.hashers.OneTimePasswordHasher"]


def make_standard(name="测试标准", areas=3, items_per_area=4, points=Decimal("2")):
    """A small standard: `areas` areas of `items_per_area` items of `points` each."""
    standard = Standard.objects.create(name=name, bonus_cap=Decimal("5"))
    number = 0
    for a in range(1, areas + 1):
        area = Area.objects.create(standard=standard, number=a, name=f"方面{a}", points=points * items_per_area)
        for _ in range(items_per_area):
            number += 1
            Item.objects.create(
                standard=standard, area=area, number=number, content=f"考核内容{number}",
                criteria=f"评分标准{number}", points=points, check_method="查阅资料", evidence=f"材料{number}",
            )
    Veto.objects.create(standard=standard, code="否1", text="弄虚作假", order=1)
    Bonus.objects.create(standard=standard, code="加1", text="先进基层党组织", points=Decimal("2"), order=1)
    for grade, minimum in ((Grade.EXCELLENT, 90), (Grade.GOOD, 80), (Grade.PASS, 60)):
        GradeBand.objects.create(standard=standard, grade=grade, min_score=Decimal(minimum))
    return standard


def make_user(username, role, township=None, branch=None, **extra):
    user = User(username=username, role=role, township=township, branch=branch, display_name=username, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


class Cast:
    pass


@pytest.fixture
def cast(db):
    c = Cast()
    c.county = County.objects.create(name="稷山县")
    c.other_county = County.objects.create(name="外县")
    c.township = Township.objects.create(name="化峪镇", county=c.county)
    c.other_township = Township.objects.create(name="其他镇", county=c.other_county)
    c.branch = Branch.objects.create(township=c.township, name="化峪村", kind=BranchKind.RURAL, order=1)
    c.branch2 = Branch.objects.create(township=c.township, name="西段村", kind=BranchKind.RURAL, order=2)
    c.other_branch = Branch.objects.create(township=c.other_township, name="外镇村")
    c.alice = make_user("alice", Role.ADMIN, township=c.township)
    c.bob = make_user("bob", Role.ASSESSOR, township=c.township)
    c.carol = make_user("carol", Role.SECRETARY, branch=c.branch)
    c.dave = make_user("dave", Role.SECRETARY, branch=c.branch2)
    c.eve = make_user("eve", Role.ADMIN, township=c.other_township)
    c.frank = make_user("frank", Role.SECRETARY, branch=c.other_branch)
    c.xian = make_user("xian", Role.COUNTY, county=c.county)
    c.waixian = make_user("waixian", Role.COUNTY, county=c.other_county)
    c.root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    c.standard = make_standard()
    today = datetime.date.today()
    c.round = Round.objects.create(
        township=c.township, standard=c.standard, name="2026年度规范化建设考核验收", year=2026,
        phase=Phase.SELF, self_start=today - datetime.timedelta(days=5), self_end=today + datetime.timedelta(days=10),
    )
    c.other_round = Round.objects.create(
        township=c.other_township, standard=c.standard, name="外镇2026年度考核", year=2026, phase=Phase.SELF,
    )
    round_prepare(round=c.round)
    round_prepare(round=c.other_round)
    c.assessment = c.round.assessments.get(branch=c.branch)
    c.assessment2 = c.round.assessments.get(branch=c.branch2)
    c.other_assessment = c.other_round.assessments.get(branch=c.other_branch)
    return c


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Django's cache starts empty in every test (the ranking keeps its typical problems there,
    keyed by a round's id and the version of its scores, which another test's round may share)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
