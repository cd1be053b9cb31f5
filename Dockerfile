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
COPY pyproject.toml setup.cfg README.md ./
COPY app ./app
COPY prospects ./prospects
COPY schedules ./schedules
COPY tasks ./tasks
COPY workers ./workers
COPY gunicorn.conf.py ./
RUN pip install ".[server]"

# Never run as root: a non-login system user owning only the state directory.
RUN useradd --system --create-home --uid 10001 --shell /usr/sbin/nologin callup \
    && mkdir -p /var/lib/callup \
    && chown callup:callup /var/lib/callup
USER callup

EXPOSE 8000
CMD ["gunicorn", "app:create_app()", "-k", "gthread", "--threads", "8", "--timeout", "60", "-b", "0.0.0.0:8000"]
