# The two commands a newcomer needs: `make dev` runs the whole stack, `make test` the whole suite.
# Both install what they need first (scripts/bootstrap.sh).

UV := .cache/bootstrap/bin/uv
RUN := $(UV) run --frozen --all-packages

.PHONY: dev test bootstrap kind-up kind-down dashboard frontend docs docs-check browser peers lint typecheck layers unit e2e schema bench clean

bootstrap:
	@scripts/bootstrap.sh

# The dashboard's static files (frontend/dist), which the dev stack serves.
dashboard: bootstrap
	@scripts/frontend.sh build

# The dashboard's own checks: ESLint, TypeScript strict, vitest, and the build.
frontend: bootstrap
	@scripts/frontend.sh lint typecheck test build

# The documentation site (docs/, Astro Starlight): `make docs` generates the reference pages
# from the code, builds the site and serves it on http://127.0.0.1:4321/ (DOCS_PORT);
# `make docs-check` only builds it, failing on a broken internal link (part of `make test`).
docs: bootstrap
	@scripts/docs.sh serve

docs-check: bootstrap
	@scripts/docs.sh build

# Real peers the tests start that come from npm (the OpenID provider of the identity tests).
peers: bootstrap
	@scripts/peers.sh

# Debian's Chromium, for the browser tests.
browser:
	@scripts/browser.sh

# $$PPID is make itself: the launcher stops when make does (make does not pass SIGTERM on).
dev: bootstrap dashboard
	@$(RUN) orchestra-dev --stop-with $$PPID

# The suite on every core (pytest-xdist), a test file per worker at a time: a file's
# module-wide fixtures (a stack, a browser) are set up once, as in a serial run.
PYTEST = $(RUN) pytest -n auto --dist loadfile

test: bootstrap lint typecheck layers frontend docs-check browser peers
	@$(PYTEST)

lint:
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .

typecheck:
	@$(RUN) mypy shared services devstack cli docs/generator tests bench conftest.py

layers:
	@$(RUN) lint-imports

# Faster loops while working: everything but the end-to-end tests, or only them.
unit: bootstrap peers
	@$(PYTEST) -m "not e2e"

e2e: bootstrap dashboard browser
	@$(PYTEST) -m e2e

# The benchmarks, by hand (never part of `make test`): `make bench` runs them all, one after
# the other; `make bench BENCH=gate_proxy` runs one, `make bench BENCH=burst ARGS=--quick` with
# arguments. Results are written up in docs/src/content/docs/benchmarks.
BENCH ?= api_launch sync_lag expiry_lateness gate_proxy emulator burst warm_pools
ARGS ?=
bench: bootstrap
	@for name in $(BENCH); do echo "== bench/$$name.py"; $(RUN) python bench/$$name.py $(ARGS) || exit 1; done

# docker compose plus kind, for machines with a Docker engine and kind (README): the cluster
# from deploy/kind/cluster.yaml, a kubeconfig the containers can read and reach, the CRD,
# then the whole stack in compose. `make kind-down` removes both.
kind-up: bootstrap
	@scripts/kind.sh up

kind-down:
	@scripts/kind.sh down

clean:
	rm -rf .devstack .kind .cache .venv .mypy_cache .ruff_cache .pytest_cache frontend/node_modules frontend/dist docs/node_modules docs/dist docs/.astro
