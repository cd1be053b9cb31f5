# One image for every Callup process in docker-compose.yml: the API (gunicorn), the Celery
# workers and Beat, Flower, the init job, and the MLflow tracking server (the `server`
# extra adds its PostgreSQL driver and S3 client, and Flower).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CALLUP_VAR_DIR=/var/lib/callup

# libgomp1: the OpenMP runtime XGBoost's wheel links against.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/callup
# The dependencies first, pinned by the lock file and nothing else: a change to the code
# (or to README.md) reuses this layer instead of reinstalling every package.
COPY requirements/server.txt requirements/server.txt
RUN pip install -r requirements/server.txt
COPY pyproject.toml setup.cfg README.md gunicorn.conf.py ./
COPY app ./app
COPY cli ./cli
COPY prospects ./prospects
COPY schedules ./schedules
COPY tasks ./tasks
COPY workers ./workers
# Callup itself, on top: its dependencies are all above (pip check proves nothing is missing).
RUN pip install --no-deps . && pip check

# Never run as root: a non-login system user owning only the state directory.
RUN useradd --system --create-home --uid 10001 --shell /usr/sbin/nologin callup \
    && mkdir -p /var/lib/callup \
    && chown callup:callup /var/lib/callup
USER callup

EXPOSE 8000
# For the default command, the API (compose gives every other service a check of its own).
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["gunicorn", "app:create_app()", "-k", "gthread", "--threads", "8", "--timeout", "60", "-b", "0.0.0.0:8000"]
