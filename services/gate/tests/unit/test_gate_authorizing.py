"""What the gate decides for each request: proxy, redeem, redirect to the open flow, or refuse."""

import pytest

from orchestra_gate.authorizing import (
    Keys,
    Proxy,
    Redeem,
    Redirect,
    Refuse,
    after_redemption,
    decide,
    instance_of_host,
)
from orchestra_shared.passes import Pass, safe_next, seal, unseal

NOW = 1_800_000_000.0
KEYS = Keys(
    base_domain="workshops.example.org",
    ticket_secret="t" * 40,
    session_secret="s" * 40,
    open_url="https://orchestra.example.org/api/v1/instances/{instance}/open",
    session_seconds=3600,
)
HOST = "jupyter-1-abc.workshops.example.org"


def sealed(purpose: str, instance: str = "jupyter-1-abc", seconds: int = 60) -> str:
    granted = Pass.model_validate(
        {
            "purpose": purpose,
            "instance": instance,
            "subject": "ada@example.org",
            "namespace": "orchestra-u-0123456789abcdef",
            "expires_at": int(NOW) + seconds,
        }
    )
    secret = KEYS.ticket_secret if purpose == "ticket" else KEYS.session_secret
    return seal(granted, secret)


def at(path: str = "/", *, host: str = HOST, ticket: str | None = None, session: str | None = None,
       next_raw: str | None = None, path_qs: str | None = None) -> object:  # fmt: skip
    return decide(
        host=host,
        path=path,
        path_qs=path_qs or path,
        ticket=ticket,
        next_raw=next_raw,
        session=session,
        keys=KEYS,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("host", "instance"),
    [
        (HOST, "jupyter-1-abc"),
        ("JUPYTER-1-ABC.workshops.example.org:8443", "jupyter-1-abc"),
        ("workshops.example.org", None),
        ("a.b.workshops.example.org", None),
        ("jupyter-1-abc.workshops.example.org.evil.net", None),
        ("-x.workshops.example.org", None),
        ("evil.net", None),
    ],
)
def test_the_instance_is_the_one_label_before_the_base_domain(
    host: str, instance: str | None
) -> None:
    assert instance_of_host(host, KEYS.base_domain) == instance


def test_no_cookie_goes_to_the_open_flow_keeping_the_path() -> None:
    decision = at("/lab/tree", path_qs="/lab/tree?x=1")
    assert decision == Redirect(
        "https://orchestra.example.org/api/v1/instances/jupyter-1-abc/open?next=%2Flab%2Ftree%3Fx%3D1"
    )


def test_a_session_for_this_instance_is_proxied() -> None:
    decision = at(session=sealed("session"))
    assert isinstance(decision, Proxy)
    assert decision.admitted.instance == "jupyter-1-abc"


def test_a_session_for_another_instance_is_403() -> None:
    assert isinstance(at(session=sealed("session", "rstudio-2-xyz")), Refuse)


def test_an_expired_or_unsealed_session_goes_through_the_open_flow_again() -> None:
    assert isinstance(at(session=sealed("session", seconds=0)), Redirect)
    assert isinstance(at(session=sealed("ticket")), Redirect)  # a ticket is no session


def test_a_good_ticket_is_to_be_redeemed() -> None:
    decision = at("/_orchestra/open", ticket=sealed("ticket"), next_raw="/lab")
    assert isinstance(decision, Redeem)
    assert decision.next_path == "/lab"


@pytest.mark.parametrize(
    "ticket",
    [
        sealed("ticket", "rstudio-2-xyz"),  # another workshop's
        sealed("ticket", seconds=-1),  # expired
        sealed("session"),  # a session is no ticket
        sealed("ticket")[:-2] + "AA",  # forged
    ],
    ids=["other-instance", "expired", "session", "forged"],
)
def test_bad_tickets_are_403(ticket: str) -> None:
    decision = at("/_orchestra/open", ticket=ticket)
    assert isinstance(decision, Refuse)
    assert decision.status == 403


def test_other_hosts_are_404() -> None:
    assert at(host="evil.net", session=sealed("session")) == Refuse(404, "not a workshop host")


@pytest.mark.parametrize(
    ("raw", "safe"),
    [(None, "/"), ("/lab", "/lab"), ("//evil.net/x", "/"), ("/\\evil.net", "/"),
     ("https://evil.net", "/"), ("/a\r\nSet-Cookie: x", "/")],
)  # fmt: skip
def test_next_stays_on_the_workshop_host(raw: str | None, safe: str) -> None:
    assert safe_next(raw) == safe


def test_after_redemption_the_session_carries_the_same_admission_for_the_session_time() -> None:
    granted = unseal(sealed("ticket"), KEYS.ticket_secret, purpose="ticket", now=NOW)
    redirect = after_redemption(granted, "/lab", KEYS, now=NOW)
    assert redirect.location == "/lab"
    assert redirect.cookie is not None
    session = unseal(redirect.cookie, KEYS.session_secret, purpose="session", now=NOW)
    assert (session.instance, session.subject, session.role, session.namespace) == (
        granted.instance,
        granted.subject,
        granted.role,
        granted.namespace,
    )
    assert session.expires_at == int(NOW) + KEYS.session_seconds
