"""django-axes (login throttling) under a Chinese name in Django admin: its AppConfig with a
verbose_name, named in INSTALLED_APPS instead of "axes" (Django's documented way to rename a
third-party app; in a module of its own, so that assessment/apps.py keeps one AppConfig). Its
models' names are translated in locale/zh_Hans."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("登录保护")
