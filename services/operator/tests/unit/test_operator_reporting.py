"""A reconcile that fails because its object was deleted meanwhile is not a warning."""

from __future__ import annotations

import logging

from orchestra_operator.cluster import ApiError
from orchestra_operator.handlers.workshops import failure_level


def test_an_object_deleted_meanwhile_is_reported_quietly() -> None:
    gone = ApiError(404, "NotFound", 'workshops "rstudio-1201-abc234" not found')
    assert failure_level(gone) == logging.DEBUG


def test_other_failures_stay_warnings() -> None:
    for error in (
        ApiError(409, "Conflict", "the object has been modified"),
        ApiError(500, "InternalError", "etcdserver: request timed out"),
        ApiError(403, "Forbidden", "cannot patch workshops"),
        ConnectionResetError("reset by peer"),
    ):
        assert failure_level(error) == logging.WARNING, error
