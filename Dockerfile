# syntax=docker/dockerfile:1
# Build: the locked dependencies (uv.lock, hash-checked) and the app's wheel, which carries the migrations and
# the seed, installed into one virtualenv by uv, in a full image.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/glossary
RUN pip install uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-install-project --no-editable
COPY setup.py MANIFEST.in README.md ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
RUN uv sync --frozen --no-editable

# Runtime: the virtualenv only, a non-root user, migrations and the seed run at start, the rate limit on.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/glossary/bin:$PATH \
    DATABASE_URL=sqlite:////data/glossary.db \
    RATE_LIMIT_PER_MINUTE=600
RUN groupadd --system --gid 10001 glossary && useradd --system --uid 10001 --gid glossary --home-dir /srv/glossary glossary \
    && mkdir -p /data /srv/glossary && chown glossary:glossary /data /srv/glossary
COPY --from=build /opt/glossary /opt/glossary
WORKDIR /srv/glossary
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# FORWARDED_ALLOW_IPS: set it to the reverse proxy's address so the rate limit sees the clients' addresses.
CMD ["sh", "-c", "glossary migrate && glossary seed && exec glossary serve --host 0.0.0.0 --port 8000"]
