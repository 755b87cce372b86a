"""Passes: genuine, unexpired and for their purpose, or refused; and the settings that seal them."""

import pytest
from pydantic import ValidationError

from orchestra_gate.config import GateSettings
from orchestra_shared.passes import Pass, PassRefused, seal, unseal, weak_secret

SECRET = "k" * 40
NOW = 1_800_000_000.0


def ticket(**fields: object) -> Pass:
    values: dict[str, object] = {
        "purpose": "ticket",
        "instance": "jupyter-1-abc",
        "subject": "ada@example.org",
        "namespace": "orchestra-u-0123456789abcdef",
        "expires_at": int(NOW) + 60,
        **fields,
    }
    return Pass.model_validate(values)


def test_a_sealed_pass_unseals_to_itself() -> None:
    granted = ticket(role="owner")
    assert unseal(seal(granted, SECRET), SECRET, purpose="ticket", now=NOW) == granted


def test_another_key_is_refused() -> None:
    with pytest.raises(PassRefused, match="bad seal"):
        unseal(seal(ticket(), "x" * 40), SECRET, purpose="ticket", now=NOW)


def test_an_edited_payload_is_refused() -> None:
    sealed = seal(ticket(), SECRET)
    body, mac = sealed.split(".")
    forged = seal(ticket(subject="mallory@example.org"), SECRET).split(".")[0]
    assert forged != body
    with pytest.raises(PassRefused, match="bad seal"):
        unseal(f"{forged}.{mac}", SECRET, purpose="ticket", now=NOW)


def test_an_expired_pass_is_refused() -> None:
    sealed = seal(ticket(expires_at=int(NOW)), SECRET)
    with pytest.raises(PassRefused, match="expired"):
        unseal(sealed, SECRET, purpose="ticket", now=NOW)


def test_a_session_never_passes_for_a_ticket_nor_the_other_way() -> None:
    session = seal(ticket(purpose="session"), SECRET)
    with pytest.raises(PassRefused):
        unseal(session, SECRET, purpose="ticket", now=NOW)
    with pytest.raises(PassRefused):
        unseal(seal(ticket(), SECRET), SECRET, purpose="session", now=NOW)


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".abc", "a.b.c", "%%%.###", "x" * 5000])
def test_garbage_is_refused_as_malformed_or_unsealed(token: str) -> None:
    with pytest.raises(PassRefused):
        unseal(token, SECRET, purpose="ticket", now=NOW)


def test_roles_beyond_the_owner_fit_the_format() -> None:
    for role in ("owner", "instructor", "collaborator"):
        granted = ticket(role=role)
        assert unseal(seal(granted, SECRET), SECRET, purpose="ticket", now=NOW).role == role
    with pytest.raises(ValidationError):
        ticket(role="admin")


def test_each_pass_has_its_own_id() -> None:
    assert ticket().id != ticket().id


def test_weak_secrets_are_named() -> None:
    assert weak_secret("change-me") == "is a placeholder"
    assert weak_secret("short") is not None
    assert weak_secret("r" * 32) is None


def test_the_gate_refuses_placeholder_secrets_outside_development() -> None:
    with pytest.raises(ValidationError, match="ticket_secret is a placeholder"):
        GateSettings(environment="production", session_secret="s" * 40)
    with pytest.raises(ValidationError, match="session_secret"):
        GateSettings(environment="production", ticket_secret="t" * 40)
    GateSettings(environment="production", ticket_secret="t" * 40, session_secret="s" * 40)
    GateSettings(environment="development")


def test_the_cookie_goes_without_secure_only_on_loopback_in_development() -> None:
    with pytest.raises(ValidationError, match="development"):
        GateSettings(
            environment="production",
            cookie_secure=False,
            ticket_secret="t" * 40,
            session_secret="s" * 40,
        )
    with pytest.raises(ValidationError, match="localhost"):
        GateSettings(environment="development", cookie_secure=False, base_domain="example.org")
    GateSettings(environment="development", cookie_secure=False, base_domain="localhost")
