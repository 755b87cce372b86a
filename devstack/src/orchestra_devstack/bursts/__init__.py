"""The 9 am burst (issue 18): many learners launching at once, through the whole stack, with faults.

Shared by ``bench/burst.py`` (timings, the table) and ``tests/e2e/test_burst_faults.py``
(correctness only, small numbers): one harness, so the tests check exactly what the
benchmark measures. ``rigs`` starts the stack with two api and two operator replicas,
``learners`` plays the learners (a launch with an Idempotency-Key that fails over between
api replicas, and the learner's own event stream), ``faults`` breaks one part in the middle
of a burst, ``verifying`` says whether anything was lost or duplicated, ``poisoning`` sends
malformed messages, ``footprints`` reads memory and CPU from /proc, ``runs`` ties a burst
together and ``reporting`` writes the table.
"""
