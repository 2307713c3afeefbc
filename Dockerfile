# Tenantry: one image for the web (gunicorn), the Celery worker and beat (see compose.yaml, docs/deploy.md).
# Multi-stage: the build stage compiles wheels; the runtime stage holds only the venv and the code,
# and runs as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install --upgrade pip && pip install -r /tmp/requirements.txt

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/tenantry-metrics
# Pango and a font for invoice PDFs (WeasyPrint).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 tenantry \
 && useradd --system --uid 10001 --gid tenantry --home-dir /app --shell /usr/sbin/nologin tenantry
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=tenantry:tenantry app ./app
COPY --chown=tenantry:tenantry migrations ./migrations
COPY --chown=tenantry:tenantry wsgi.py gunicorn.conf.py ./
# instance/ holds local files only when STORAGE_URL is unset (single-node installs): a volume then.
RUN mkdir -p /app/instance /tmp/tenantry-metrics && chown tenantry:tenantry /app/instance /tmp/tenantry-metrics
USER tenantry
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=4)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
