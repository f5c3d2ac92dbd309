"""Plain rows for the pages that list every branch of a round (1,000 at county scale): made
from one row of values each, not model instances (1,000 Assessment and Branch instances took
20 ms of the county ranking). The ranking, both overviews and the exports read them."""

from dataclasses import dataclass

from .models import BranchKind

BRANCH_FIELDS = ("branch_id", "branch__name", "branch__kind", "branch__is_demonstration", "branch__order")
KIND_LABELS = dict(BranchKind.choices)


@dataclass(slots=True)
class BranchRow:
    """The fields of a branch that a ranking or an overview shows."""
    pk: int
    name: str
    kind: str
    is_demonstration: bool
    order: int

    def get_kind_display(self):
        return str(KIND_LABELS.get(self.kind, self.kind))


class AssessmentRow:
    """An assessment with its branch (a BranchRow) and the fields asked for; the selectors and
    the views set what a row prints on it."""

    def __init__(self, pk, status, branch, fields):
        self.pk, self.status, self.branch = pk, status, branch
        self.__dict__.update(fields)

    @property
    def branch_id(self):
        return self.branch.pk


def assessment_rows(queryset, *fields):
    """AssessmentRows of an Assessment `queryset` with `fields` (names of its fields or
    annotations) set on each."""
    count = len(fields)
    return [
        AssessmentRow(pk, status, BranchRow(*values[count:]), dict(zip(fields, values[:count])))
        for pk, status, *values in queryset.values_list("pk", "status", *fields, *BRANCH_FIELDS)
    ]
