"""Forms and small validators. The 56-item self-evaluation grid is rendered by hand
(see templates/assessment/_self_grid.html); its values are validated here."""

import re
import unicodedata
from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services.selfeval import NOTE_MAX, self_note_error, self_score_error

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def clean_self_score(raw, points):
    """The text of a score input -> a Decimal, or None when left empty.
    Accepts full-width digits (１．５) from Chinese input methods. Raises ValidationError."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace("。", ".")
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValidationError(_("请输入数字，例如 1.5。"))
    score = Decimal(text)
    error = self_score_error(score, points)
    if error:
        raise ValidationError(error)
    return score.quantize(Decimal("0.1"))


def clean_self_note(raw):
    note = (raw or "").strip()
    error = self_note_error(note)
    if error:
        raise ValidationError(error)
    return note


class SelfReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退回原因"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("请填写退回原因。")},
        help_text=gettext_lazy("支部书记将在首页和自评清单上看到退回原因。"),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("请填写退回原因。"))
        return reason


class SelfExtendForm(forms.Form):
    until = forms.DateField(
        label=gettext_lazy("延期至"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("请选择延期后的截止日期。"),
            "invalid": gettext_lazy("请输入有效的日期，例如 2026-12-31。"),
        },
        help_text=gettext_lazy("本支部可在此日期（含当日）之前继续自评。"),
    )


class LoginForm(AuthenticationForm):
    """Django's login form, with a wrong name or password marked on both inputs for a screen
    reader (aria-invalid, and aria-describedby to the message above the form: #login-error)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            for name in ("username", "password"):
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": "login-error"})
            raise
