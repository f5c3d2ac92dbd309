"""The Jinja2 environment for the few templates that render the 56-row grids.

Django templates render the pages; a grid of 56 items with inputs and evidence is
rendered by Jinja2, several times faster, and inserted into the page as HTML.
Autoescaping is on; strings are translated through Django's gettext.
"""

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, ngettext
from jinja2 import Environment


def environment(**options):
    options.setdefault("autoescape", True)
    options["extensions"] = [*options.get("extensions", []), "jinja2.ext.i18n"]
    env = Environment(**options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.filters["filesizeformat"] = filesizeformat
    return env
