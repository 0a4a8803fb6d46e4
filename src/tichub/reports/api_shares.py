"""Delivery API, mounted at /api/v1/reports beside the reports router: the signed PDF, the enterprise's share links
and the access log of a report."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.middleware import client_ip
from tichub.core.routes import actor_of, policy

from . import share_selectors, share_services
from .share_services import DAYS_DEFAULT, DAYS_MAX, DAYS_MIN, RECIPIENT_MAX
from .views_share import pdf_response, user_agent

router = Router(tags=["reports"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, SHARE = "reports.view", "reports.share"


class ShareIn(Schema):
    recipient: str = Field(
        description=f"who the link is for, to recognise it later (required, at most {RECIPIENT_MAX} characters)",
        max_length=4000,
    )
    days: int = Field(DAYS_DEFAULT, description=f"lifetime in days, {DAYS_MIN}–{DAYS_MAX} (default {DAYS_DEFAULT})")


class ShareOut(Schema):
    id: int
    report_id: int
    recipient: str
    status: str = Field("", description="active, expired or revoked")
    url: str = Field("", description="the public address of the link (anyone holding it may open the report)")
    created_at: dt.datetime
    created_by: str = Field("", description="the name of the person who created the link")
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_status(obj: Any) -> str:
        state = getattr(obj, "state", None)
        if state:
            return str(state)
        if obj.revoked_at is not None:
            return share_selectors.REVOKED
        return share_selectors.EXPIRED if obj.expires_at <= timezone.now() else share_selectors.ACTIVE

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return str(getattr(obj, "link", None) or share_selectors.share_url(obj.token))

    @staticmethod
    def resolve_created_by(obj: Any) -> str:
        return str(obj.created_by.name)


class AccessOut(Schema):
    id: int
    at: dt.datetime
    kind: str = Field(description="download (a member of the enterprise), share_view or share_download (a link)")
    share_id: int | None = Field(None, description="the link used, for share_view and share_download")
    recipient: str | None = Field(None, description="the link's recipient")
    user: str | None = Field(None, description="the member who downloaded, for download")
    ip: str | None
    user_agent: str

    @staticmethod
    def resolve_recipient(obj: Any) -> str | None:
        return obj.share.recipient if obj.share_id is not None else None

    @staticmethod
    def resolve_user(obj: Any) -> str | None:
        return obj.user.name if obj.user_id is not None else None


@router.get("/{report_id}/pdf", response={200: None, **ERRORS})
@policy(VIEW, api=True)
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    """The signed PDF (application/pdf, ETag = its SHA-256), for the institution that issued it and the enterprise
    that received it (the enterprise's downloads are logged). 409 `report_file_tampered` when the stored file no
    longer matches the SHA-256 recorded at issue."""
    checked = share_services.report_download(
        actor=actor_of(request), report_id=report_id, ip=client_ip(request), user_agent=user_agent(request)
    )
    return pdf_response(checked)


@router.get("/{report_id}/shares", response={200: list[ShareOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def shares(request: HttpRequest, report_id: int) -> Any:
    """The share links of a report the enterprise received, newest first, with their status (enterprise only)."""
    return share_selectors.share_list(actor_of(request), report_id)


@router.post("/{report_id}/shares", response={201: ShareOut, **ERRORS})
@policy(SHARE, api=True)
def share_create(request: HttpRequest, report_id: int, payload: ShareIn) -> Any:
    """A link through which a third party may open and download the report until it expires (1–90 days) or is
    revoked. 409 `report_withdrawn` for a withdrawn report; a superseded one may be shared (its page says so)."""
    share = share_services.share_create(
        actor=actor_of(request), report_id=report_id, recipient=payload.recipient, days=payload.days
    )
    return Status(201, share)


@router.post("/shares/{share_id}/revoke", response={200: ShareOut, **ERRORS})
@policy(SHARE, api=True)
def share_revoke(request: HttpRequest, share_id: int) -> Any:
    """Revoke a link: from now on it answers like an unknown link. 409 `share_revoked` when already revoked."""
    return share_services.share_revoke(actor=actor_of(request), share_id=share_id)


@router.get("/{report_id}/accesses", response={200: list[AccessOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def accesses(request: HttpRequest, report_id: int) -> Any:
    """Who opened the report, newest first: downloads by the enterprise's members, views and downloads through its
    links (enterprise only)."""
    return share_selectors.access_list(actor_of(request), report_id)
