"""Odd input on every route: never a 5xx, errors always problem+json, successes match the schema.

A small stand-in for schemathesis (not installed here): bodies, names, query values
and headers drawn by hypothesis from a fixed seed, sent to one running app.
"""

import random
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from services.api.tests.apis import Api, admin, learner

from orchestra_api.bodies import InstanceBody, InstancePage

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=8,
)
TEXT = st.text(max_size=80)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({"template": TEXT}, optional={"duration": TEXT | JSON}),
    st.fixed_dictionaries({"by": TEXT | JSON}),
)
CASES: list[tuple[Any, str, str]] = []


@settings(
    max_examples=150, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
@given(body=BODIES, name=TEXT, value=TEXT)
def collect(body: Any, name: str, value: str) -> None:
    CASES.append((body, name, value))


collect()


def check(response: httpx.Response, model: Any = None) -> None:
    assert response.status_code < 500, (response.request.url, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= response.json().keys()
    elif model is not None:
        TypeAdapter(model).validate_python(response.json())


async def test_no_input_makes_the_api_fail(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    chooser = random.Random(7)
    async with api.client() as client:
        for body, odd_name, value in CASES:
            raw = value.replace("\r", "").replace("\n", "").encode() or b"x"  # as bytes on the wire
            who: Any = chooser.choice([learner(), admin(), {"X-Auth-Request-Email": raw}])
            printable = "".join(c for c in odd_name if c.isprintable() and c not in "/?#%")
            target = chooser.choice([name, quote(printable) or "x"])
            check(await client.post("/api/v1/instances", json=body, headers=who), InstanceBody)
            check(
                await client.post(f"/api/v1/instances/{target}/extend", json=body, headers=who),
                InstanceBody,
            )
            check(await client.get(f"/api/v1/instances/{target}", headers=who), InstanceBody)
            check(
                await client.get(
                    "/api/v1/admin/instances",
                    params={"user": value, "template": value, "cursor": value},
                    headers=admin(),
                ),
                InstancePage,
            )
            check(
                await client.get("/api/v1/history", params={"cursor": value, "limit": value},
                                 headers=who),
                InstancePage,
            )  # fmt: skip
            check(await client.get("/api/v1/admin/stats", params={"since": value}, headers=admin()))
