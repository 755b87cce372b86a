"""The development sign-in's rules: signed cookies, emails, where to go back, loopback only."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orchestra_devstack.signin.proxying import NotLoopbackError, require_loopback
from orchestra_devstack.signin.sessions import (
    BadEmail,
    DevIdentity,
    checked_email,
    safe_return_path,
    sign,
    verify,
)

SECRET = b"s" * 32


def test_a_cookie_signed_this_run_gives_back_its_identity() -> None:
    ada = DevIdentity(email="ada@example.org", admin=True)
    assert verify(sign(ada, SECRET), SECRET) == ada


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "",
        "garbage",
        sign(DevIdentity("ada@example.org", admin=False), b"another run's secret"),
        # Ada edits her cookie into an admin's, keeping her signature.
        sign(DevIdentity("ada@example.org", admin=True), b"x").rpartition(".")[0]
        + "."
        + sign(DevIdentity("ada@example.org", admin=False), SECRET).rpartition(".")[2],
    ],
)
def test_any_other_cookie_is_nobody(cookie: str | None) -> None:
    assert verify(cookie, SECRET) is None


def test_emails_are_normalised_and_checked() -> None:
    assert checked_email("  Ada@Example.ORG ") == "ada@example.org"
    for bad in ("", "ada", "ada@", "a b@example.org", "ada@example", "x,y@example.org"):
        with pytest.raises(BadEmail):
            checked_email(bad)


@pytest.mark.parametrize(
    ("rd", "where"),
    [
        ("/sessions/alpha-1?x=1", "/sessions/alpha-1?x=1"),
        (None, "/"),
        ("https://evil.example.org/", "/"),
        ("//evil.example.org/", "/"),
        ("/\\evil.example.org", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_after_signing_in_the_browser_goes_back_only_to_this_site(
    rd: str | None, where: str
) -> None:
    assert safe_return_path(rd) == where


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "example.org"])
def test_the_sign_in_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(NotLoopbackError):
        require_loopback(host)
    for loopback in ("127.0.0.1", "::1", "localhost"):
        require_loopback(loopback)


def test_the_sign_in_process_will_not_start_on_a_public_address() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestra_devstack.signin",
            "--host",
            "0.0.0.0",
            "--port",
            "1",
            "--api-url",
            "http://127.0.0.1:1",
            "--dashboard-dir",
            ".",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "loopback only" in result.stderr
    assert "Traceback" not in result.stderr
