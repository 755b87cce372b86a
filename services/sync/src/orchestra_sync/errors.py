"""The errors sync's loops act on, so no loop needs to know every client library's tree.

``Unavailable`` means a dependency (Postgres, NATS) did not answer: the work is
retried from the same point after a backoff, never skipped. The cause is chained.
"""


class Unavailable(Exception):
    """Postgres or NATS did not answer; retry the same work later."""
