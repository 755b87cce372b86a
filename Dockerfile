# One image recipe for the services (api, operator, sync, expiry, gate): `docker build --build-arg SERVICE=api .`
# The workspace's lock file pins every dependency; only the chosen service and shared go in.
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY . .
ARG SERVICE
# Built in its final place: entry-point scripts carry the interpreter's absolute path.
ENV UV_PROJECT_ENVIRONMENT=/app/.venv
RUN uv sync --frozen --no-dev --no-editable --package orchestra-${SERVICE}

FROM python:3.11-slim
ARG SERVICE
ENV ORCHESTRA_SERVICE=${SERVICE} \
    PATH=/app/.venv/bin:$PATH \
    ORCHESTRA_API_CATALOG_DIR=/app/catalog \
    ORCHESTRA_API_CATALOG_PROFILES=/app/security-profiles.yaml \
    ORCHESTRA_OPERATOR_CATALOG_DIR=/app/catalog \
    ORCHESTRA_OPERATOR_CATALOG_PROFILES=/app/security-profiles.yaml
# The api lists and launches from the catalog; the operator builds Workshops only from it.
COPY --from=build /app/.venv /app/.venv
COPY charts/orchestra/files/templates /app/catalog
COPY charts/orchestra/files/security-profiles.yaml /app/security-profiles.yaml
USER 10001:10001
ENTRYPOINT ["sh", "-c", "exec orchestra-$ORCHESTRA_SERVICE \"$@\"", "--"]
