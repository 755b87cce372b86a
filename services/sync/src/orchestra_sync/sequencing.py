"""Pure bookkeeping of concurrent recording: watch order, per-Workshop order, resume point.

``pipelining`` records observations of different Workshops at once; this
ledger is what keeps that safe, free of I/O so its rules are tested with plain
values (hypothesis). Every observation taken from the watch is admitted in
watch order and gets a ticket:

- ``after`` names the still-unfinished ticket of the same Workshop, which must
  finish first (a Workshop's observations are applied strictly in watch order);
- ``first_pending`` is the oldest unfinished ticket: only it may commit a
  write, so what Postgres holds is always a prefix of the watch (ADR 0022);
- ``resume`` is the resourceVersion of the newest ticket below which every
  ticket has finished: the low watermark the watch may resume from. A ticket
  that fails never finishes, so the watermark stays below it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ticket:
    number: int
    after: int | None  # unfinished ticket of the same key, which must finish first


class Ledger:
    def __init__(self) -> None:
        self._next = 0
        self._pending: dict[int, tuple[str | None, str | None]] = {}  # in admission order
        self._finished: set[int] = set()
        self._last_of_key: dict[str, int] = {}
        self._resume: str | None = None

    def admit(self, key: str | None, label: str | None) -> Ticket:
        """Take the next observation in watch order; ``key`` None: orders after nothing."""
        number = self._next
        self._next += 1
        after = None if key is None else self._last_of_key.get(key)
        if key is not None:
            self._last_of_key[key] = number
        self._pending[number] = (key, label)
        return Ticket(number, after)

    def finish(self, number: int) -> None:
        if number not in self._pending or number in self._finished:
            raise ValueError(f"ticket {number} is not pending")
        self._finished.add(number)
        key = self._pending[number][0]
        if key is not None and self._last_of_key.get(key) == number:
            del self._last_of_key[key]
        while self._pending:
            first = next(iter(self._pending))
            if first not in self._finished:
                break
            _, label = self._pending.pop(first)
            self._finished.remove(first)
            if label is not None:
                self._resume = label

    def first_pending(self) -> int | None:
        """The oldest unfinished ticket (the only one allowed to commit), None when idle."""
        return next(iter(self._pending), None)

    @property
    def resume(self) -> str | None:
        """The newest label with every ticket up to it finished; None before any."""
        return self._resume

    def __len__(self) -> int:
        """Tickets admitted and not yet behind the watermark."""
        return len(self._pending)
