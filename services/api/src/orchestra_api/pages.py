"""Keyset pagination cursors: where the next page of a newest-first list starts.

A cursor is the (created_at, name) of the last item shown, opaque to clients
(URL-safe base64 of JSON). Keyset pages stay correct while rows are added and
cost the same on page 1 and page 1000, unlike offsets. Pure; used by
``reports`` and the routes that list.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from orchestra_api.problems import InvalidRequest


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    name: str


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.created_at.isoformat(), cursor.name]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str | None) -> Cursor | None:
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        created_at, name = json.loads(raw)
        cursor = Cursor(created_at=datetime.fromisoformat(created_at), name=str(name))
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidRequest("cursor: not a cursor this api handed out", field="cursor") from error
    if cursor.created_at.tzinfo is None:
        raise InvalidRequest("cursor: not a cursor this api handed out", field="cursor")
    return cursor
