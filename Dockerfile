# syntax=docker/dockerfile:1
# Build: wheels for the app and its dependencies, in a full image with compilers.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --wheel-dir /wheels .

# Runtime: the wheels only, a non-root user, migrations and the seed run at start.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/glossary.db \
    SEEDS_DIR=/srv/glossary/seeds \
    MIGRATIONS_DIR=/srv/glossary/migrations
RUN groupadd --system --gid 10001 glossary && useradd --system --uid 10001 --gid glossary --home-dir /srv/glossary glossary \
    && mkdir -p /data /srv/glossary && chown glossary:glossary /data
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels policy-glossary==1.0.0 && rm -rf /wheels
WORKDIR /srv/glossary
COPY --chown=glossary:glossary migrations ./migrations
COPY --chown=glossary:glossary seeds ./seeds
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["sh", "-c", "glossary migrate && glossary seed && exec glossary serve --host 0.0.0.0 --port 8000"]
