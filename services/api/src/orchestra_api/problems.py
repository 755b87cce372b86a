"""Domain errors of the api and their one mapping to RFC 9457 problem+json.

Routes and activities raise these types; ``install_problem_handlers`` turns
them (and FastAPI's validation errors, and anything unexpected) into
``application/problem+json`` with a stable ``type``. No traceback ever reaches
a client; unexpected errors are logged with theirs.
"""

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_BASE = "https://orchestra.io/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    status: int = 500
    slug: str = "internal"
    title: str = "Internal error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions
        self.headers: dict[str, str] = {}


class Unauthenticated(ProblemError):
    status, slug, title = 401, "unauthenticated", "Not signed in"


class InvalidToken(Unauthenticated):
    """A bearer token that does not verify; RFC 6750 says so in WWW-Authenticate too."""

    slug, title = "invalid-token", "Bearer token refused"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"


class EmailNotVerified(Forbidden):
    """A valid token whose issuer has not verified the email it names."""

    slug, title = "email-not-verified", "Email not verified"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class InvalidRequest(ProblemError):
    status, slug, title = 422, "invalid-request", "Invalid request"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class LimitReached(Conflict):
    """A per-learner limit; ``existing`` carries the instance the dashboard can offer instead."""

    slug, title = "limit-reached", "Limit of active instances reached"


class ExtensionsExhausted(Conflict):
    slug, title = "extensions-exhausted", "No extensions left"


class LifetimeExceeded(Conflict):
    slug, title = "max-duration-exceeded", "Beyond the template's maximum duration"


class InstanceEnded(Conflict):
    slug, title = "instance-ended", "The instance has ended or is ending"


class CapacityFull(ProblemError):
    status, slug, title = 429, "capacity-full", "The platform is full"

    def __init__(self, detail: str, *, retry_after: int, **extensions: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extensions)
        self.headers["Retry-After"] = str(retry_after)


class ExportsOff(Conflict):
    """The platform keeps no archives (``ORCHESTRA_ARCHIVES_BACKEND=none``)."""

    slug, title = "exports-off", "Exports are not enabled on this platform"


class ClassFull(CapacityFull):
    """A class's seats are all taken (docs/src/content/docs/decisions/0070); a join waits in line instead."""

    slug, title = "class-full", "The class is full"


class NotAnInstructor(Forbidden):
    """Signed in, but not an instructor of this class (nor an admin)."""

    slug, title = "not-an-instructor", "Not an instructor of this class"


class ClassClosed(Conflict):
    slug, title = "class-closed", "The class has ended"


class NoConsent(Forbidden):
    """An instructor of the workshop's class, but the learner has not let instructors in."""

    slug, title = "no-consent", "The learner has not asked for help"


class NotInAClass(Conflict):
    """Help is for sessions of a class; this one was launched on its own."""

    slug, title = "not-in-a-class", "The workshop is not part of a class"


class Unavailable(ProblemError):
    status, slug, title = 503, "unavailable", "Temporarily unavailable"


# What each status means in the OpenAPI document; routes list the ones they can answer.
_DESCRIPTIONS = {
    400: "The body could not be parsed (not JSON, or not UTF-8).",
    401: "Not signed in: no identity, a bearer token that does not verify, or identity "
    "headers where they are not believed.",
    403: "Signed in, but not allowed: not an admin, not the owner of the workshop, or an "
    "email the identity provider has not verified.",
    404: "No such resource, or it belongs to another learner.",
    409: "Not allowed in the current state; the body says why.",
    422: "The request is malformed.",
    429: "The platform or the template is at capacity; retry after Retry-After seconds.",
    503: "A dependency is unavailable.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status as problem+json, for the OpenAPI document."""
    schema = {"$ref": "#/components/schemas/ProblemBody"}
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }


def problem_response(
    status: int, slug: str, title: str, detail: str, instance: str, **extensions: Any
) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ProblemError)
        response = problem_response(
            error.status,
            error.slug,
            error.title,
            error.detail,
            request.url.path,
            **error.extensions,
        )
        response.headers.update(error.headers)
        return response

    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in error.errors()
        ]
        return problem_response(
            422,
            "invalid-request",
            "Invalid request",
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors),
            request.url.path,
            errors=errors,
        )

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        response = problem_response(
            error.status_code, slug, str(error.detail), str(error.detail), request.url.path
        )
        response.headers.update(error.headers or {})
        return response

    async def on_unstorable(request: Request, error: Exception) -> JSONResponse:
        # A NUL (or a character the database's encoding lacks) in a name, key or filter:
        # Postgres refuses it in text, wherever it came from. The client's mistake, not ours.
        return problem_response(
            422,
            "invalid-request",
            "Invalid request",
            "the request holds a character that cannot be stored (such as NUL)",
            request.url.path,
        )

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        response = problem_response(
            500, "internal", "Internal error", "an unexpected error occurred", request.url.path
        )
        # This handler runs outside the middleware that names the trace; the 500 is
        # the response most worth tracing, so it names it here too.
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            response.headers["X-Trace-Id"] = format(context.trace_id, "032x")
        return response

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    for unstorable in (
        asyncpg.CharacterNotInRepertoireError,
        asyncpg.UntranslatableCharacterError,
    ):
        app.add_exception_handler(unstorable, on_unstorable)
    app.add_exception_handler(Exception, on_unexpected)
