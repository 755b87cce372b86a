"""``orchestra sessions launch``: how a started launch, a place in line and a refusal read.

The command against a real api is tested with the api (services/api/tests/routes/
test_api_waiting_room.py); here, the words for each answer, and the usage errors."""

from __future__ import annotations

import pytest

from orchestra_cli.launching import Answer, describe
from orchestra_cli.main import run


def test_a_started_launch_names_the_instance() -> None:
    assert describe(Answer(202, {"name": "alpha-0901-abc12", "phase": "Requested"})) == (
        "Launched alpha-0901-abc12 (Requested).",
        0,
    )


def test_a_queued_launch_says_the_place_the_estimate_and_how_to_leave() -> None:
    text, status = describe(
        Answer(202, {"ticket": 12, "state": "waiting", "position": 3, "estimate_seconds": 420})
    )
    assert status == 0
    assert text == (
        "The platform is full: you are number 3 in line, about 7 minutes. Ticket 12; "
        "leave the line with `orchestra sessions leave 12`."
    )
    unknown, _ = describe(
        Answer(202, {"ticket": 12, "state": "waiting", "position": 1, "estimate_seconds": None})
    )
    assert "how long it takes is unknown" in unknown


def test_the_end_of_a_wait_and_a_refusal() -> None:
    admitted = Answer(200, {"ticket": 12, "state": "admitted", "instance": "alpha-x"})
    assert describe(admitted) == ("Your turn came: launched alpha-x.", 0)
    assert describe(Answer(200, {"ticket": 12, "state": "left"}))[1] == 0
    refused = Answer(409, {"title": "Limit of active instances reached", "detail": "you have 3"})
    assert describe(refused) == ("orchestra: Limit of active instances reached: you have 3", 1)


def test_a_launch_needs_the_api_address(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORCHESTRA_API_URL", raising=False)
    assert run(["sessions", "launch", "alpha"]) == 2
    assert "--api URL" in capsys.readouterr().err
