from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessment"
    verbose_name = _("党支部规范化建设考核")

    def ready(self):
        from . import audit, subtotals, totals, versions

        # The subtotals' triggers are dropped while migrations run and installed after them.
        pre_migrate.connect(subtotals.before_migrate, sender=self, dispatch_uid="subtotals-before-migrate")
        post_migrate.connect(subtotals.after_migrate, sender=self, dispatch_uid="subtotals-after-migrate")
        # And the ranking's kept totals (summed from the subtotals, so installed after them).
        pre_migrate.connect(totals.before_migrate, sender=self, dispatch_uid="totals-before-migrate")
        post_migrate.connect(totals.after_migrate, sender=self, dispatch_uid="totals-after-migrate")
        # So are the triggers that change an assessment's render_version on every write it shows.
        pre_migrate.connect(versions.before_migrate, sender=self, dispatch_uid="versions-before-migrate")
        post_migrate.connect(versions.after_migrate, sender=self, dispatch_uid="versions-after-migrate")
        # So is the guard that refuses UPDATE and DELETE of audit records.
        pre_migrate.connect(audit.before_migrate, sender=self, dispatch_uid="audit-guard-before-migrate")
        post_migrate.connect(audit.after_migrate, sender=self, dispatch_uid="audit-guard-after-migrate")
