"""The password change page every person has (accounts/password/): Django's; the change is
audited, and a person who came with a one-time password may use every page again."""

from django.contrib.auth import views as auth_views
from django.db import transaction

from assessment.services.roster import password_set_own


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        with transaction.atomic():  # the new password and its audit record, or neither
            response = super().form_valid(form)
            password_set_own(user=form.user)
        return response
