#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: MLflow's tracking store and
# registry get their own database beside Callup's.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -c "CREATE DATABASE \"${MLFLOW_DB:-mlflow}\""
