import logging

from .context import current


class RequestIdFilter(logging.Filter):
    """Stamp every log record with the id of the request being served (empty outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get().request_id
        return True
