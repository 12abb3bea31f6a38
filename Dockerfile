# The game server's image. It was not built on the machines this project is developed on
# (no container engine runs there): CI runs the same install step (deploy/install.sh) in
# a fresh virtual environment and starts this file's CMD from it (tests/package).
#
#   docker build -t game-server .
#   docker compose up          # compose.yaml: two servers, PostgreSQL, Redis, nginx

# Build: install the locked dependencies and the project's wheel into /opt/venv, and
# collect the static files. The source stays in this stage.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY . .
RUN sh deploy/install.sh /opt/venv /opt/staticfiles

# Run: the virtual environment and the collected files, a user without privileges.
FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /srv/games --uid 1000 games
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/staticfiles /opt/staticfiles
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STATIC_ROOT=/opt/staticfiles \
    DEBUG=False \
    BEHIND_PROXY=True
WORKDIR /srv/games
USER games
EXPOSE 8000
# Daphne stops on SIGTERM after the rooms are saved and handed over (docs/deploy.md).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["game-server", "health", "http://127.0.0.1:8000/health/"]
CMD ["game-server", "serve", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "--proxy-headers-host", "X-Real-IP", "--websocket_timeout", "-1"]
