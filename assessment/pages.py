"""The body of the checklist and of the on-site page, rendered once per version of the
assessment and kept with Django's cache framework (the "pages" cache, settings.CACHES).

What a body shows depends only on the data of the assessment (with its branch's year of plan
records and its township's model practices) and on what the request decided about it (editable
or not, the viewer and their refusal, today's date, the language). The key holds the latter, and
the assessment's `render_version`: a random number the
database gives the assessment anew on every write of anything its pages show, whoever writes
it (assessment/versions.py: triggers). A cached body is therefore never stale, and a key is
never asked for again once the version moved on, so a cache local to each app server
(LocMem) is as correct as a shared one.

The CSRF token is not kept: the body is rendered with a random stand-in for it and kept as
the parts between, and the page template puts this request's token between them
(templates/assessment/checklist.html: {{ body|with_csrf_token:csrf_token }}). The navbar, the messages and
the user's name are in the page around the body (templates/base.html).
"""

import hashlib
import secrets

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

CACHE = "pages"


def key(name, assessment, request, *parts):
    """The cache key of a body: the page, the assessment and its version, and a digest of the
    rest (the viewer, the language, today's date and what the view passes in `parts`)."""
    parts = (get_language(), request.user.pk, timezone.localdate(), parts)
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"page:{name}:{assessment.pk}:{assessment.render_version}:{digest}"


def body(template, key, make_context, request):
    """[HTML before the first CSRF token, between the tokens …, after the last] of `template`
    rendered with make_context(): from the cache when `key` is there, else rendered and kept.
    `key` None (e.g. a page showing what was typed into a refused form): rendered, not kept."""
    cache = caches[CACHE]
    parts = cache.get(key) if key else None
    if parts is None:
        stand_in = secrets.token_hex(16)  # unknown to anyone, so no text of the page can hold it
        context = {**make_context(), "csrf_token": stand_in, "request": request}
        # The parts of a rendered (escaped) template: still safe to print as they are.
        parts = [mark_safe(part) for part in render_to_string(template, context).split(stand_in)]
        if key:
            cache.set(key, parts)
    return parts
