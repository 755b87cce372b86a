"""
The API errors of the emulated cluster, rendered as Kubernetes ``Status`` objects.

Clients (Kopf, kubernetes_asyncio, kubectl) branch on the HTTP code and on the
``reason`` of the ``Status`` body: Kopf retries its finalizer patch on 422,
relists on 410, ignores 404 on patching. So every refusal of the store and
of the HTTP layer is one of these exceptions, and ``conforming`` renders it.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal the way the Kubernetes API server phrases it."""

    code: int = 500
    reason: str = "InternalError"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def as_status(self) -> dict[str, Any]:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "details": self.details,
            "code": self.code,
        }


class BadRequestError(ApiError):
    code = 400
    reason = "BadRequest"


class UnauthorizedError(ApiError):
    code = 401
    reason = "Unauthorized"


class ForbiddenError(ApiError):
    code = 403
    reason = "Forbidden"


class NotFoundError(ApiError):
    code = 404
    reason = "NotFound"


class MethodNotAllowedError(ApiError):
    code = 405
    reason = "MethodNotAllowed"


class AlreadyExistsError(ApiError):
    code = 409
    reason = "AlreadyExists"


class ConflictError(ApiError):
    code = 409
    reason = "Conflict"


class GoneError(ApiError):
    code = 410
    reason = "Expired"


class UnsupportedMediaTypeError(ApiError):
    code = 415
    reason = "UnsupportedMediaType"


class InvalidError(ApiError):
    code = 422
    reason = "Invalid"
