"""Errors that services raise for people: a code, a message in the user's language, and the fields at fault."""

from collections.abc import Mapping, Sequence

from django.utils.functional import Promise


class ServiceError(Exception):
    """Refused input or an illegal transition. Views and the API turn it into a 4xx with the same shape."""

    status = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str = "invalid",
        fields: Mapping[str, Sequence[str | Promise]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}

    @classmethod
    def field(cls, name: str, message: str | Promise, *, code: str = "invalid") -> "ServiceError":
        return cls(message, code=code, fields={name: [message]})


class Conflict(ServiceError):
    """The request is valid but the object's state does not allow it (a state machine said no)."""

    status = 409


class NotFound(ServiceError):
    """Absent, or owned by another tenant: the two answer alike so that ids reveal nothing."""

    status = 404

    def __init__(self, message: str | Promise, *, code: str = "not_found") -> None:
        super().__init__(message, code=code)


class FieldErrors:
    """Collects every field error of one input, to refuse it once with all of them (each field named)."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            summary = "；".join(f"{name}: {msgs[0]}" for name, msgs in self.fields.items())
            raise ServiceError(summary, code="invalid", fields=self.fields)
