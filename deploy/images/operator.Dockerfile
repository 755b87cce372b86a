# syntax=docker/dockerfile:1
# The operator image: orchestra-operator and orchestra-shared, installed from the workspace's lock, and
# nothing else of the repository. Build from the repository's root:
#   docker build -f deploy/images/operator.Dockerfile -t orchestra-operator .
# Base images are pinned by tag (python 3.11 on Debian 12; uv as scripts/bootstrap.sh pins it).
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM python:3.11.14-slim-bookworm AS build
COPY --from=uv /uv /usr/local/bin/uv
# Built in its final place (entry-point scripts carry the interpreter's path), as bytecode,
# with the image's Python only.
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /src
# The workspace's metadata first: the dependencies' layer is rebuilt only when they change.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY services/api/pyproject.toml services/api/
COPY services/operator/pyproject.toml services/operator/
COPY services/sync/pyproject.toml services/sync/
COPY services/expiry/pyproject.toml services/expiry/
COPY services/gate/pyproject.toml services/gate/
COPY devstack/pyproject.toml devstack/
COPY cli/pyproject.toml cli/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package orchestra-operator
COPY shared shared
COPY services/operator services/operator
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package orchestra-operator

FROM python:3.11.14-slim-bookworm
RUN groupadd --system --gid 10001 orchestra \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin orchestra
COPY --from=build /app/.venv /app/.venv
# The default catalog, for docker compose; the chart mounts its ConfigMap and points these
# at it instead (docs/src/content/docs/decisions/0052).
COPY charts/orchestra/files/templates /app/catalog
COPY charts/orchestra/files/security-profiles.yaml /app/security-profiles.yaml
ENV ORCHESTRA_OPERATOR_CATALOG_DIR=/app/catalog \
    ORCHESTRA_OPERATOR_CATALOG_PROFILES=/app/security-profiles.yaml
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
ENTRYPOINT ["orchestra-operator"]
