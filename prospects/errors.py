"""Errors with a stable machine-readable code, raised by the domain and mapped by the API."""

from __future__ import annotations


class CallupError(Exception):
    """Base error: ``code`` is stable for clients, ``message`` is for people."""

    code = "error"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class NoChampionError(CallupError):
    """No model holds the ``champion`` alias yet: nothing can be served."""

    code = "no_champion"


class UnknownProspectError(CallupError):
    """The prospect id is not in the database."""

    code = "unknown_prospect"


class ModelUnavailableError(CallupError):
    """The model artifact could not be loaded from the cache or the registry."""

    code = "model_unavailable"


def error_from_dict(payload: dict) -> CallupError:
    """Rebuild an error from its ``as_dict`` form (a failed task's result crosses Redis as JSON)."""
    classes = {
        cls.code: cls for cls in (NoChampionError, UnknownProspectError, ModelUnavailableError)
    }
    cls = classes.get(str(payload.get("code")), CallupError)
    return cls(str(payload.get("message", "unknown error")), code=str(payload.get("code", "error")))
