"""One status word for a returned self-evaluation: 已退回 on the secretary's card, in the round
table of their home, in the township's self-evaluation overview and in the on-site overview."""

from django.urls import reverse
from django.utils import timezone

from assessment.models import Phase, Round, Score, Status
from assessment.services.selfeval import self_evaluation_return


def returned(cast):
    Score.objects.filter(assessment=cast.assessment).update(self_score=1)
    cast.assessment.status, cast.assessment.submitted_at = Status.SUBMITTED, timezone.now()
    cast.assessment.save()
    self_evaluation_return(assessment=cast.assessment, actor=cast.alice, reason="请补充佐证材料")


def test_returned_everywhere(client, cast):
    returned(cast)
    client.force_login(cast.carol)
    home = client.get(reverse("home")).content.decode()
    table = home[home.index("本支部状态"):]
    assert "已退回" in table[:table.index("</tr>", table.index("<tbody>"))] and "自评中" not in table
    client.force_login(cast.alice)
    overview = client.get(reverse("selfeval-overview", args=[cast.round.pk])).content.decode()
    onsite = client.get(reverse("onsite-overview", args=[cast.round.pk])).content.decode()
    for html in (overview, onsite):
        row = html[html.index("化峪村"):]
        row = row[:row.index("</tr>")]
        assert "已退回" in row and "自评中" not in row
