"""Root conftest: the devstack fixtures (real NATS and Postgres on loopback) for every suite."""

pytest_plugins = ["orchestra_devstack.pytest_plugin"]
