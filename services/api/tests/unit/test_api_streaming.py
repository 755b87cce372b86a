"""The event hub's fan-out: by owner, everyone for admins, and slow clients cut loose."""

from orchestra_api.streaming import Hub, Notice


def notice(owner: str, n: int = 0) -> Notice:
    return Notice(kind="status", id=str(n), owner=owner, data="{}")


def hub(queue_size: int = 8) -> Hub:
    return Hub(nats_url="nats://127.0.0.1:1", connect_timeout=1, queue_size=queue_size)


def test_notices_reach_their_owner_and_everyone_listeners_only() -> None:
    events = hub()
    ada, bob, admin = events.listen("ada"), events.listen("bob"), events.listen(None)
    events.publish(notice("ada"))
    assert ada.queue.qsize() == 1
    assert bob.queue.qsize() == 0
    assert admin.queue.qsize() == 1


def test_a_forgotten_listener_gets_nothing_more() -> None:
    events = hub()
    ada = events.listen("ada")
    events.forget(ada)
    events.publish(notice("ada"))
    assert ada.queue.empty()
    assert events.listeners == 0


def test_a_slow_client_is_ended_without_holding_back_the_others() -> None:
    events = hub(queue_size=2)
    slow, other = events.listen("ada"), events.listen("ada")
    for n in range(2):
        events.publish(notice("ada", n))
    other.queue.get_nowait()
    other.queue.get_nowait()
    events.publish(notice("ada", 2))  # slow is full: cut loose; other still gets it
    assert slow.queue.get_nowait() is None
    assert other.queue.get_nowait() == notice("ada", 2)
    assert events.listeners == 1
