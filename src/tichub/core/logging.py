import logging

from .context import current


class RequestIdFilter(logging.Filter):
    """Stamp every log record with the id of the request being served (empty outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx after the middleware has left the request: read the id off the request then.
        request = getattr(record, "request", None)
        record.request_id = current.get().request_id or getattr(request, "request_id", "")
        return True
