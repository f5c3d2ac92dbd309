"""The Jinja2 environment: the 56-row grids, and the two pages whose every request counts
(the checklist and the on-site scoring page, layout templates/jinja2/base.jinja).

Django templates render the other pages; a grid of 56 items with inputs and evidence is
rendered by Jinja2, several times faster, and inserted into the page as HTML.
Autoescaping is on; strings are translated through Django's gettext. The filters are
Django's own, so a value prints as it did in a Django template.
"""

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import Environment


def url(name, *args):
    """{% url name arg… %}: url("selfeval-checklist", 7) == "/assessments/7/self/"."""
    return reverse(name, args=args)


def date(value, arg=None):
    """|date, converting an aware datetime to the current time zone as Django's filter does."""
    return defaultfilters.date(template_localtime(value), arg)


def environment(**options):
    from assessment import chrome

    options.setdefault("autoescape", True)
    options["extensions"] = [*options.get("extensions", []), "jinja2.ext.i18n"]
    env = Environment(**options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.filters.update(
        date=date,
        filesizeformat=defaultfilters.filesizeformat,
        floatformat=defaultfilters.floatformat,
        linebreaksbr=defaultfilters.linebreaksbr,  # escapes the text (autoescape=True), then marks it safe
    )
    env.globals.update(
        url=url,
        static=static,
        get_language=get_language,
        navbar=chrome.navbar,
        page_messages=chrome.page_messages,
    )
    return env
