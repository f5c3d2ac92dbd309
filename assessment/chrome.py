"""The page chrome shared by both template engines: the navbar (templates/jinja2/nav.jinja,
one template for every page), the messages above a page's content, and the CSRF field.

Jinja pages (templates/jinja2/base.jinja) call navbar(request) and page_messages(request)
as globals (huayu/jinja2.py); Django pages (templates/base.html) print {{ navbar }}, rendered
only when printed (assessment.context_processors.navbar).
"""

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from assessment.models import Message


def csrf_field(request):
    """The hidden CSRF input, made once per request as a Django template's {% csrf_token %} is
    once per page (Jinja2's own csrf_input masks a new token, slowly, wherever it is printed).
    Made again if the secret changed (a login rotates it)."""
    secret = request.META.get("CSRF_COOKIE")
    made = getattr(request, "_huayu_csrf_field", None)
    if made is None or made[0] != secret:
        field = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
        made = request._huayu_csrf_field = (request.META.get("CSRF_COOKIE"), field)
    return made[1]


def unread_count(user):
    """The navbar badge: loaded with the user (assessment.auth), else one query."""
    loaded = getattr(user, "unread_count", None)
    if loaded is not None:
        return loaded
    return Message.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def navbar(request):
    """The navbar for the request's user: the brand alone for anonymous visitors; for a
    signed-in user the links, the unread badge, the name and role, and the logout form."""
    user = getattr(request, "user", None)
    context = {"signed_in": False}
    if user is not None and user.is_authenticated:
        context = {"signed_in": True, "name": str(user), "role": user.get_role_display(),
                   "is_staff": user.is_staff, "unread": unread_count(user), "csrf_field": csrf_field(request),
                   # the 示范做法库 of the user's township (views/demo.py: library)
                   "models_library": user.is_superuser or user.township_id is not None}
    return mark_safe(render_to_string("nav.jinja", context, request=request, using="jinja2"))


def page_messages(request):
    """[(alert class, message)] of the messages waiting for the request (consumes them)."""
    return [("danger" if message.tags == "error" else message.tags or "info", message)
            for message in get_messages(request)]
