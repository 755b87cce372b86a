"""Root conftest: the devstack fixtures (real NATS and Postgres on loopback) for every suite.

Hypothesis runs without per-example deadlines: these machines are shared and
noisy, and timing is measured in bench/, never asserted in tests.
"""

from hypothesis import settings

pytest_plugins = ["orchestra_devstack.pytest_plugin"]

settings.register_profile("orchestra", deadline=None)
settings.load_profile("orchestra")
