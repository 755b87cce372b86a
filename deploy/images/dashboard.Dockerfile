# syntax=docker/dockerfile:1
# The dashboard image: the built frontend (frontend/dist) behind nginx, nothing else.
#   docker build -f deploy/images/dashboard.Dockerfile -t orchestra-dashboard .
# Base images are pinned by tag: Node.js 20.19+ for the build (frontend/package.json's
# engines), nginx's unprivileged image to serve.
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --loglevel=error
COPY frontend ./
RUN npm run build

FROM nginxinc/nginx-unprivileged:1.29.1-alpine
COPY deploy/images/dashboard.nginx.conf /etc/nginx/nginx.conf
COPY --from=build /src/frontend/dist /usr/share/nginx/html
USER 10001:10001
EXPOSE 8080
