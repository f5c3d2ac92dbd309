"""Every refusal in Chinese: the handlers Django calls for 400, 403, 404 and 500, and for a
failed CSRF check (huayu/urls.py, settings.CSRF_FAILURE_VIEW).

A request made by a script (assessment.faults.wants_json: the autosave and upload endpoints)
gets JSON {ok: false, error, html: null}; a person gets a page. 403 and 404 are Django's own
pages (templates/403.html, 404.html, with the navbar); 400, 413 and 500 are drawn from
templates/400.html and 500.html without the database and without the request (the request itself may be
what is broken: a body too large, a host not allowed).
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from assessment.faults import wants_json

logger = logging.getLogger(__name__)


def error_response(request, status, message, detail, **extra):
    """The refusal `message` (a heading) with `detail` (what happened, what to do): JSON (with
    `extra`) or a page."""
    if wants_json(request):
        response = JsonResponse({"ok": False, "error": f"{message}：{detail}", "html": None, **extra},
                                status=status)
    else:
        template = "500.html" if status >= 500 else "400.html"
        html = render_to_string(template, {"message": message, "detail": detail})
        response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    """400, or 413 for a body over the limit: the body was not read, nothing was saved."""
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, _("提交的内容太大"), _(
            "一次提交的内容超过了 %(max)s，没有保存。请分几次提交，或把填写的内容改短一些。"
        ) % {"max": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)})
    if isinstance(exception, TooManyFilesSent):
        return error_response(request, 413, _("一次选择的文件太多"), _(
            "一次最多上传 %(n)s 个文件，这次的文件都没有上传。请分几次上传。"
        ) % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES})
    if isinstance(exception, TooManyFieldsSent):
        return error_response(request, 413, _("提交的项目太多"), _(
            "一次提交的项目超过了 %(n)s 个，没有保存。请分几次提交。"
        ) % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})
    return error_response(request, 400, _("请求无效"), _(
        "系统无法识别这次提交的内容，没有保存任何修改。请返回上一页，刷新后重新操作。"))


def permission_denied(request, exception=None):
    if wants_json(request):
        reason = str(exception or "") or _("您没有权限进行此操作。")
        return error_response(request, 403, _("无权操作"), reason)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if wants_json(request):
        return error_response(request, 404, _("页面不存在"), _("您要找的内容不存在，或者您没有查看它的权限。"))
    return defaults.page_not_found(request, exception)


def server_error(request):
    return error_response(request, 500, _("系统出错"), _(
        "服务器处理这次操作时出错，操作没有完成。请稍后重试；如果一再出现，请告诉系统管理员出错的时间。"))


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a page open too long, or a post from another site."""
    logger.warning("CSRF check failed (%s) for %s %s", reason, request.method, request.path)
    # login: the scripts (keep.js, upload.js) ask accounts/session/ for a fresh token and send again.
    return error_response(request, 403, _("页面已过期"), _(
        "这个页面打开太久或来源无法验证，操作没有完成。请刷新页面后重新操作。"), login=True)


class refuse_nul:
    """Middleware (after CSRF): a NUL character in any field or query parameter (pasted from a
    broken file, or sent on purpose) is refused with 400 before the view runs: PostgreSQL cannot
    store it, and no note, reason or measures needs it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return error_response(request, 400, _("填写的内容含有无法保存的字符"), _(
                "填写的内容里有一个看不见的空字符（\\0），没有保存。请删除后重新输入，或从纯文本重新复制。"))
        return None


def _has_nul(query_dict):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())
