"""Per-request context (request id, client address) that services and logs read without passing it around."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


EMPTY = RequestContext()  # frozen, so a shared default is safe
current: ContextVar[RequestContext] = ContextVar("tichub_request", default=EMPTY)
