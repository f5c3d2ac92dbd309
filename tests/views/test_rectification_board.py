"""整改台账: /rounds/<pk>/rectifications/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Item, Rectification, RectificationStatus
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)

TODAY = datetime.date.today()


def board(round):
    return reverse("rectification-board", args=[round.pk])


@pytest.fixture
def items(published):  # noqa: F811
    """化峪村: item 1 pending (published.rect), item 2 overdue, item 3 closed on time, item 4 closed late;
    西段村: item 5 reported."""
    c = published
    make = lambda a, n, **kw: Rectification.objects.create(  # noqa: E731
        assessment=a, item=Item.objects.get(standard=c.standard, number=n), problem=f"问题{n}",
        requirement="要求", **{"deadline": TODAY + datetime.timedelta(days=10), **kw})
    make(c.assessment, 2, deadline=TODAY - datetime.timedelta(days=2))
    make(c.assessment, 3, status=RectificationStatus.CLOSED, verified_at=timezone.now())
    make(c.assessment, 4, status=RectificationStatus.CLOSED, deadline=TODAY - datetime.timedelta(days=5),
         verified_at=timezone.now())
    make(c.assessment2, 5, status=RectificationStatus.REPORTED)
    return c


def test_admin_sees_every_branch_with_counts(client, items):
    client.force_login(items.alice)
    response = client.get(board(items.round))
    html = response.content.decode()
    assert response.status_code == 200
    assert "问题5" in html and "换届材料不全" in html
    assert 'id="overdue-count">1<' in html
    assert 'id="on-time-rate">20%<' in html  # 1 of 5 closed on time
    assert 'rect-row-overdue' in html and 'id="f-branch"' in html
    assert reverse("export-rectifications", args=[items.round.pk]) in html


def test_assessor_sees_the_board(client, items):
    client.force_login(items.bob)
    assert "问题5" in client.get(board(items.round)).content.decode()


def test_secretary_sees_only_own_branch_without_branch_filter(client, items):
    client.force_login(items.dave)
    html = client.get(board(items.round), {"branch": items.branch.pk}).content.decode()
    assert "问题5" in html and "问题2" not in html and "换届材料不全" not in html
    assert 'id="f-branch"' not in html and "各支部整改情况" not in html


@pytest.mark.parametrize("query, shown, hidden", [
    ({"overdue": "1"}, ["问题2"], ["问题3", "问题4", "问题5", "换届材料不全"]),
    ({"status": "closed"}, ["问题3", "问题4"], ["问题2", "问题5"]),
    ({"branch": "BRANCH2"}, ["问题5"], ["问题2", "问题3"]),
    ({"area": "AREA2"}, ["问题5"], ["问题2", "问题3", "问题4"]),  # items 5-8 are 方面2
])
def test_filters(client, items, query, shown, hidden):
    client.force_login(items.alice)
    query = {k: {"BRANCH2": items.branch2.pk, "AREA2": items.standard.areas.get(number=2).pk}.get(v, v)
             for k, v in query.items()}
    html = client.get(board(items.round), query).content.decode()
    for text in shown:
        assert f">{text}<" in html
    for text in hidden:
        assert f">{text}<" not in html


def test_other_township_gets_404(client, items):
    for who in (items.eve, items.frank):
        client.force_login(who)
        assert client.get(board(items.round)).status_code == 404


def test_secretary_before_publication_is_told_why(client, finalised):  # noqa: F811
    client.force_login(finalised.carol)
    response = client.get(board(finalised.round))
    assert response.status_code == 403 and "通报发布后才能查看整改事项" in response.content.decode()


def _fill(cast, n):
    """n published items spread over both branches (one per item when possible, then without item)."""
    items = list(Item.objects.filter(standard=cast.standard))
    Rectification.objects.all().delete()
    rows = []
    for i in range(n):
        assessment = cast.assessment if i % 2 else cast.assessment2
        rows.append(Rectification(
            assessment=assessment, item=items[i // 2] if i // 2 < len(items) else None, problem=f"问题{i}",
            requirement="要求", deadline=TODAY + datetime.timedelta(days=(i % 7) - 3),
            status=[RectificationStatus.PENDING, RectificationStatus.REPORTED, RectificationStatus.CLOSED][i % 3],
            verified_at=timezone.now() if i % 3 == 2 else None,
        ))
    Rectification.objects.bulk_create(rows)


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_query_count_is_fixed(client, published, who):  # noqa: F811
    client.force_login(getattr(published, who))
    url = board(published.round)
    _fill(published, 3)
    small = _queries(client, url)
    _fill(published, 300)
    large = _queries(client, url)
    filtered = _queries(client, url, overdue="1", page="2")
    # session, user (with its unread-message count), round, areas, counts per branch, totals, page count, page rows
    assert small == large == 9  # with the navbar's unread badge
    assert filtered <= large


def test_paginated_by_50(client, published):  # noqa: F811
    _fill(published, 120)
    client.force_login(published.alice)
    html = client.get(board(published.round)).content.decode()
    assert "共 120 项" in html and "第 1 / 3 页" in html and html.count('class="rect-problem"') == 50
    html = client.get(board(published.round), {"page": "3", "status": "pending"}).content.decode()
    assert "共 40 项" in html and "第 1 / 1 页" not in html


def _branch_row(html, name):
    """The 各支部整改情况 row of branch `name`: its three counts."""
    import re

    found = re.search(rf">{name}</a></td>\s*<td class=\"text-end\">(\d+)</td><td class=\"text-end\">(\d+)</td>"
                      rf"\s*<td class=\"text-end[^\"]*\">(\d+)</td>", html)
    assert found, name
    return tuple(int(n) for n in found.groups())


def test_branch_counts_kept_between_loads_follow_every_change(client, items):
    """The per-branch rows are kept in the page cache (1,000 at county scale): a closed item, a
    renamed branch and a filter each show at once, never an earlier render."""
    from assessment.models import Branch

    from unittest import mock

    from assessment import grids

    client.force_login(items.alice)
    name = items.branch.name
    assert _branch_row(client.get(board(items.round)).content.decode(), name) == (4, 2, 1)
    with mock.patch.object(grids, "render_to_string", wraps=grids.render_to_string) as rendered:
        assert _branch_row(client.get(board(items.round)).content.decode(), name) == (4, 2, 1)
        # Kept: neither the rows nor the options rendered again, whichever branch is chosen.
        client.get(board(items.round), {"branch": items.branch2.pk})
    assert rendered.call_count == 0
    Rectification.objects.filter(assessment=items.assessment, item__number=2).update(
        status=RectificationStatus.CLOSED, verified_at=timezone.now())
    assert _branch_row(client.get(board(items.round)).content.decode(), name) == (4, 3, 0)
    Branch.objects.filter(pk=items.branch.pk).update(name="新化峪村党支部")
    html = client.get(board(items.round), {"branch": items.branch.pk}).content.decode()
    assert _branch_row(html, "新化峪村党支部") == (4, 3, 0) and f">{name}<" not in html
    assert f'<option value="{items.branch.pk}" selected>新化峪村党支部</option>' in html
