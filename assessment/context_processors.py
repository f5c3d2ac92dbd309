"""Template context shared by every Django page."""

from django.utils.functional import SimpleLazyObject

from assessment import chrome


def navbar(request):
    """`navbar`: the rendered navbar (assessment.chrome, the same as on Jinja pages), made only
    when a page prints it (counting the unread messages for its badge is one query)."""
    return {"navbar": SimpleLazyObject(lambda: chrome.navbar(request))}
