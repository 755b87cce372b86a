"""Activity for idle culling: the last request per workshop, as a gauge; stale ones drop out.
And the gate's own cookie never reaches the application."""

from prometheus_client import CollectorRegistry, generate_latest

from orchestra_gate.activities import Activity, Tally
from orchestra_gate.proxying import without_cookie


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_last_request_per_instance_is_a_gauge() -> None:
    clock = Clock()
    activity = Activity(retention=3600, clock=clock)
    activity.touch("jupyter-1-abc")
    clock.now += 10
    activity.touch("rstudio-2-xyz")
    registry = CollectorRegistry()
    registry.register(activity)
    text = generate_latest(registry).decode()
    assert 'orchestra_gate_last_request_timestamp_seconds{instance="jupyter-1-abc"} 1.8e+09' in text
    assert 'instance="rstudio-2-xyz"} 1.80000001e+09' in text


def test_instances_quiet_for_longer_than_the_retention_drop_out() -> None:
    clock = Clock()
    activity = Activity(retention=60, clock=clock)
    activity.touch("old-1-abc")
    clock.now += 30
    activity.touch("new-1-abc")
    clock.now += 31
    assert activity.current() == {"new-1-abc": clock.now - 31}


def test_only_the_gates_cookie_is_taken_out() -> None:
    header = "a=1; orchestra-gate=sealed.mac; orchestra-gate-x=2;b=3"
    assert without_cookie(header, "orchestra-gate") == "a=1; orchestra-gate-x=2; b=3"
    assert without_cookie("orchestra-gate=x", "orchestra-gate") == ""


def test_a_window_below_the_floor_is_not_work_and_windows_start_afresh() -> None:
    clock = Clock()
    tally = Tally(floor=3, clock=clock)
    for _ in range(3):
        tally.count("busy-1-abc")
    clock.now += 5
    tally.count("busy-1-abc")
    tally.count("quiet-1-abc")
    tally.count("quiet-1-abc")
    window = tally.close()
    assert {name: (seen.events, seen.last) for name, seen in window.active.items()} == {
        "busy-1-abc": (4, clock.now)
    }
    assert tally.close().active == {}


def test_a_kept_window_is_reported_with_the_next_one_even_if_that_is_quiet() -> None:
    clock = Clock()
    tally = Tally(floor=2, clock=clock)
    tally.count("a-1-abc")
    tally.count("a-1-abc")
    tally.keep(tally.close())
    clock.now += 60
    tally.count("a-1-abc")  # below the floor alone
    window = tally.close()
    assert window.active["a-1-abc"].events == 2
    assert window.active["a-1-abc"].last == clock.now - 60
