"""Home, dashboard, health probes, the audit trail pages and the error pages."""

import csv
from collections.abc import Callable, Iterator

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from tichub.accounts.choices import Role

from .routes import actor_of, policy
from .selectors import audit_events, notifications_of
from .services import notifications_mark_read

AUDIT_PAGE = 50


@policy("public")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@policy("signed_in")
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    roles = [Role(role).label for role in sorted(actor.roles)]
    return render(request, "core/dashboard.html", {"actor": actor, "roles": roles})


@policy("signed_in")
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's notifications (e.g. a withdrawn standard in their institution's scope); POST marks all read."""
    actor = actor_of(request)
    if request.method == "POST":
        notifications_mark_read(actor=actor)
        return redirect("core:notifications")
    rows = list(notifications_of(actor)[:100])
    return render(request, "core/notifications.html", {"notifications": rows})


@never_cache
@policy("public")
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@policy("public")
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # a probe reports every failure as "not ready"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def _audit_filters(request: HttpRequest) -> dict[str, str | None]:
    return {name: request.GET.get(name) or None for name in ("object_type", "object_id", "action")}


@policy("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    events = audit_events(actor_of(request), **_audit_filters(request))  # type: ignore[arg-type]
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows = list(events[(page - 1) * AUDIT_PAGE : page * AUDIT_PAGE + 1])
    context = {
        "events": rows[:AUDIT_PAGE],
        "page": page,
        "has_next": len(rows) > AUDIT_PAGE,
        "filters": _audit_filters(request),
    }
    return render(request, "core/audit_list.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@policy("audit.view")
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the filtered audit trail, streamed so that a long history does not sit in memory."""
    events = audit_events(actor_of(request), **_audit_filters(request))  # type: ignore[arg-type]
    writer = csv.writer(_Echo())
    header = [
        "time",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object",
        "before",
        "after",
        "reason",
        "request_id",
        "ip",
    ]

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel opens UTF-8 Chinese correctly
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.created_at.isoformat(),
                    e.actor.email if e.actor else "",
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    e.before,
                    e.after,
                    e.reason,
                    e.request_id,
                    e.ip or "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
    return response


def _error_page(status: int, title: str, detail: str) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        return render(request, "error.html", {"status": status, "title": title, "detail": detail}, status=status)

    return view


bad_request = _error_page(
    400, "请求有误 / Bad request", "服务器无法理解该请求。/ The server could not understand the request."
)
permission_denied = _error_page(403, "无权访问 / Forbidden", "您的角色无权执行此操作。/ Your roles do not allow this.")
page_not_found = _error_page(
    404, "未找到 / Not found", "该页面不存在或您无权查看。/ This page does not exist or is not yours."
)
server_error = _error_page(
    500, "服务器错误 / Server error", "出现意外错误，已记录。/ Something went wrong and it was logged."
)
