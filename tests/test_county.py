"""The county (县、市、区) as a level above the townships: the model, the county user
(县委组织部), what they may see (their county's townships, branches and rounds, read-only) and
the migration that turned the township's county text into County rows."""

import pytest
from django.core.management import call_command
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404

from assessment import permissions, selectors
from assessment.models import Branch, County, Role, Standard, Township, User


def test_a_county_user_has_a_county_and_no_township_or_branch(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nocounty", role=Role.COUNTY)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="both", role=Role.COUNTY, county=cast.county, township=cast.township)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="adminwithcounty", role=Role.ADMIN, township=cast.township, county=cast.county)


def test_clean_says_what_is_wrong_in_chinese(cast):
    user = User(username="x", role=Role.COUNTY, township=cast.township)
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert "须选择所属县" in str(error.value.message_dict["county"])
    assert "不属于某个乡镇" in str(error.value.message_dict["township"])
    user = User(username="y", role=Role.SECRETARY, branch=cast.branch, county=cast.county)
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert "只有县委组织部用户" in str(error.value.message_dict["county"])
    standard = Standard(name="两者", township=cast.township, county=cast.county)
    with pytest.raises(ValidationError):
        standard.clean()


def test_the_county_user_sees_the_townships_branches_and_rounds_of_their_county_only(cast):
    third = Township.objects.create(name="翟店镇", county=cast.county)
    branch = Branch.objects.create(township=third, name="翟店村")
    assert set(selectors.townships_visible_to(cast.xian)) == {cast.township, third}
    assert set(selectors.townships_visible_to(cast.waixian)) == {cast.other_township}
    assert set(selectors.townships_visible_to(cast.alice)) == {cast.township}
    assert set(selectors.townships_visible_to(cast.carol)) == {cast.township}
    assert set(selectors.townships_visible_to(cast.root)) == {cast.township, cast.other_township, third}
    assert set(selectors.branches_visible_to(cast.xian)) == {cast.branch, cast.branch2, branch}
    assert set(selectors.rounds_visible_to(cast.xian)) == {cast.round}
    assert set(selectors.rounds_visible_to(cast.waixian)) == {cast.other_round}
    assert permissions.can_see_branch(cast.xian, branch)
    assert not permissions.can_see_branch(cast.xian, cast.other_branch)
    assert permissions.can_see_branch(cast.waixian, cast.other_branch)
    permissions.check_township(cast.xian, third)
    for user, township in ((cast.xian, cast.other_township), (cast.waixian, cast.township),
                           (cast.alice, third), (cast.eve, cast.township), (cast.carol, third)):
        with pytest.raises(Http404):
            permissions.check_township(user, township)


def test_a_county_user_without_a_county_sees_nothing(cast):
    user = User(username="loose", role=Role.COUNTY)  # not saved: the database refuses it
    assert not selectors.townships_visible_to(user).exists()
    assert not selectors.rounds_visible_to(user).exists()
    assert not permissions.can_see_branch(user, cast.branch)
    assert not permissions.is_county_staff(user)


def test_the_county_user_is_neither_township_staff_nor_admin(cast):
    assert permissions.is_county_staff(cast.xian) and permissions.is_county_staff(cast.root)
    assert not permissions.is_county_staff(cast.alice)
    assert not permissions.is_township_staff(cast.xian)
    assert not permissions.is_township_admin(cast.xian)


def test_the_county_township_ids_are_read_once_per_user(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        for _ in range(3):
            assert permissions.can_see_branch(cast.xian, cast.branch)


def test_a_county_user_logs_in_and_sees_their_home(client, cast):
    client.force_login(cast.xian)
    response = client.get("/")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_township_county_texts_into_counties():
    # Through the migrate command, as an upgrade runs it: its signals lift the kept subtotals',
    # totals' and audit triggers around the migrations and put them back after.
    call_command("migrate", "assessment", "0011_merge_h19_accounts", verbosity=0)
    try:
        with connection.cursor() as cursor:
            for name, county in [("化峪镇", "稷山县"), ("翟店镇", " 稷山县 "), ("外镇", "万荣县"), ("无县镇", "")]:
                cursor.execute("INSERT INTO assessment_township (name, county) VALUES (%s, %s)", [name, county])
        call_command("migrate", verbosity=0)
        assert sorted(County.objects.values_list("name", flat=True)) == ["万荣县", "稷山县"]
        counties = dict(Township.objects.values_list("name", "county__name"))
        assert counties == {"化峪镇": "稷山县", "翟店镇": "稷山县", "外镇": "万荣县", "无县镇": None}
    finally:
        call_command("migrate", verbosity=0)
