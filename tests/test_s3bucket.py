"""prospects.s3bucket: the compose stack's artifact bucket is versioned and proven writable.

A small in-memory stand-in with the S3 calls' shapes checks the decisions; then,
as SeaweedFS cannot run here (no container engine), ``moto_server`` (a real
S3-compatible HTTP server, in its own process) takes its place: the compose
file's s3-init job makes the bucket on it, and an ``mlflow server`` configured as
the compose file configures it writes a Callup model there and reads it back.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import mlflow.artifacts
import mlflow.pyfunc
import numpy as np
import pytest
import xgboost as xgb
import yaml

from prospects import registry
from prospects.s3bucket import BucketError, ensure_versioned_bucket, probe_write_read
from prospects.training import contract
from prospects.training.register import EVALUATION_ARTIFACT
from tests.servers import free_port, stop_process, wait_for


class FakeS3:
    """Buckets, versioning status and objects, as boto3's client answers them."""

    def __init__(self, versioning_sticks: bool = True, corrupt: bool = False):
        self.buckets: dict[str, dict[str, bytes]] = {}
        self.versioning: dict[str, str] = {}
        self.versioning_sticks = versioning_sticks
        self.corrupt = corrupt
        self.created: list[str] = []

    def list_buckets(self):
        return {"Buckets": [{"Name": name} for name in self.buckets]}

    def create_bucket(self, Bucket):  # noqa: N803 - boto3's argument names
        self.buckets[Bucket] = {}
        self.created.append(Bucket)

    def put_bucket_versioning(self, Bucket, VersioningConfiguration):  # noqa: N803
        if self.versioning_sticks:
            self.versioning[Bucket] = VersioningConfiguration["Status"]

    def get_bucket_versioning(self, Bucket):  # noqa: N803
        status = self.versioning.get(Bucket)
        return {"Status": status} if status else {}

    def put_object(self, Bucket, Key, Body):  # noqa: N803
        self.buckets[Bucket][Key] = Body[:-1] if self.corrupt else Body
        return {"VersionId": "v1"}

    def get_object(self, Bucket, Key):  # noqa: N803
        return {"Body": io.BytesIO(self.buckets[Bucket][Key])}

    def delete_object(self, Bucket, Key, VersionId=None):  # noqa: N803
        del self.buckets[Bucket][Key]


def test_a_missing_bucket_is_created_with_versioning_on():
    s3 = FakeS3()
    ensure_versioned_bucket(s3, "mlflow")
    assert s3.created == ["mlflow"] and s3.versioning == {"mlflow": "Enabled"}


def test_an_existing_bucket_is_kept_and_versioned():
    s3 = FakeS3()
    s3.buckets["mlflow"] = {"artifacts/model.ubj": b"x"}
    ensure_versioned_bucket(s3, "mlflow")
    assert s3.created == [] and s3.buckets["mlflow"] == {"artifacts/model.ubj": b"x"}


def test_a_store_that_does_not_keep_versioning_is_refused():
    with pytest.raises(BucketError, match="versioning"):
        ensure_versioned_bucket(FakeS3(versioning_sticks=False), "mlflow")


def test_the_probe_object_is_read_back_and_removed():
    s3 = FakeS3()
    ensure_versioned_bucket(s3, "mlflow")
    probe_write_read(s3, "mlflow")
    assert s3.buckets["mlflow"] == {}


def test_a_store_that_returns_other_bytes_is_refused():
    s3 = FakeS3(corrupt=True)
    ensure_versioned_bucket(s3, "mlflow")
    with pytest.raises(BucketError, match="read back"):
        probe_write_read(s3, "mlflow")


# --- The same, against a real S3 server, with MLflow writing and reading through it ---------------
#
# SeaweedFS cannot run here (no container engine), so moto_server stands in for it: a separate
# process speaking S3 over HTTP. The s3-init job and the MLflow server run as the compose file
# configures them (their commands and environments are read from docker-compose.yml), with only
# the compose network's names swapped for this machine's.

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"
SECRET = "s3-test-secret"  # stands for S3_SECRET_KEY, which .env must set


def _compose_service(name: str) -> tuple[list[str], dict[str, str]]:
    """A service's command and environment, interpolated as compose does with .env unset."""
    from tests.test_compose import argv, resolve

    service = yaml.safe_load(COMPOSE.read_text())["services"][name]
    env = {key: resolve(value) for key, value in service["environment"].items()}
    return argv(service["command"]), {
        key: value.replace("<S3_SECRET_KEY>", SECRET) for key, value in env.items()
    }


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any AWS or MLflow settings of its own, plus ``extra``."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLFLOW_"))}
    return {**keep, **extra}


def _mlflow_server(endpoint: str, root: Path) -> tuple[subprocess.Popen, int]:
    """``mlflow server`` with the compose service's arguments; SQLite in place of PostgreSQL."""
    command, env = _compose_service("mlflow")
    assert command[:2] == ["mlflow", "server"]
    assert env["MLFLOW_S3_ENDPOINT_URL"] == "http://s3:8333"
    port = free_port()
    local = {"--host": "127.0.0.1", "--port": str(port), "--workers": "1"}
    args = [
        f"{flag}={local[flag]}" if flag in local else arg
        for arg in command[2:]
        for flag in [arg.split("=", 1)[0]]
    ]
    assert "--serve-artifacts" in args and "--artifacts-destination=s3://mlflow/artifacts" in args
    env.update(
        MLFLOW_S3_ENDPOINT_URL=endpoint,
        MLFLOW_BACKEND_STORE_URI=f"sqlite:///{root / 'mlflow.db'}",
        # No job runner: it forks consumers (CPU at start-up) that nothing here uses.
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false",
    )
    log = (root / "mlflow-server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", *args],
        cwd=root,
        env=_clean_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return proc, port


def _wait_healthy(proc: subprocess.Popen, port: int, log: Path) -> None:
    """Until ``/health`` answers (its import takes seconds; far more on a loaded machine)."""
    import requests

    def healthy() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"mlflow server exited:\n{log.read_text()[-3000:]}")
        try:
            return requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok
        except requests.RequestException:
            return False

    wait_for(healthy, 90, "mlflow server start")


FEATURES = ["age_vs_level", "ops_plus", "k_rate", "fv"]


def _booster(seed: int) -> xgb.Booster:
    """A small Callup-shaped booster: binary logistic on named features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, len(FEATURES)))
    y = (X[:, 0] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    data = xgb.DMatrix(X, label=y, feature_names=FEATURES)
    params = {"objective": "binary:logistic", "max_depth": 2, "seed": seed, "nthread": 1}
    return xgb.train(params, data, num_boost_round=5)


@pytest.mark.integration
@pytest.mark.slow
def test_the_compose_store_keeps_mlflow_artifacts_versioned(s3_endpoint, tmp_path, monkeypatch):
    """s3-init, then MLflow's proxied artifacts into the bucket: written, read back, versioned."""
    import boto3

    # The MLflow server as compose runs it (it alone holds the S3 credentials), started first
    # only because it takes seconds to import: it touches the store at the first artifact
    # request, and every one comes after s3-init below, the order compose enforces.
    proc, port = _mlflow_server(s3_endpoint, tmp_path)
    try:
        # 1. s3-init: `python -m prospects.s3bucket` with the job's own environment.
        command, init_env = _compose_service("s3-init")
        assert command == ["python", "-m", "prospects.s3bucket"]
        assert init_env["MLFLOW_S3_ENDPOINT_URL"] == "http://s3:8333"
        init_env["MLFLOW_S3_ENDPOINT_URL"] = s3_endpoint
        done = subprocess.run(
            [sys.executable, *command[1:]],
            env=_clean_env(**init_env),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        bucket = init_env["MLFLOW_BUCKET"]
        assert f"bucket {bucket!r} is versioned and writable" in done.stdout

        s3 = boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name=init_env["AWS_DEFAULT_REGION"],
            aws_access_key_id=init_env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=SECRET,
        )
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        # The probe object was written, read back and removed, every version of it.
        assert "Versions" not in s3.list_object_versions(Bucket=bucket)
        # Run again (a restarted stack): the existing bucket is kept and stays versioned.
        again = subprocess.run(
            [sys.executable, *command[1:]],
            env=_clean_env(**init_env),
            capture_output=True,
            timeout=60,
        )
        assert again.returncode == 0, again.stderr
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

        # 2. MLflow, once healthy, writing into the bucket.
        _wait_healthy(proc, port, tmp_path / "mlflow-server.log")
        # Callup's processes have no S3 settings: every artifact goes through the server.
        for key in [k for k in os.environ if k.startswith(("AWS_", "MLFLOW_"))]:
            monkeypatch.delenv(key)
        uri = f"http://127.0.0.1:{port}"
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
        client = registry.client(uri)  # as Callup's processes make theirs
        name = "prospect-success-s3"
        mlflow.set_experiment(experiment_id=registry.ensure_experiment(client, "callup-s3-check"))

        first, second = _booster(1), _booster(2)
        model_file = tmp_path / registry.BOOSTER_FILE
        first.save_model(str(model_file))
        written = model_file.read_bytes()
        eval_file = tmp_path / EVALUATION_ARTIFACT
        with mlflow.start_run() as run:
            # What prospects.training.register logs: the pyfunc model from code with its booster.
            info = mlflow.pyfunc.log_model(
                name=registry.MODEL_ARTIFACT,
                python_model=str(contract.MODEL_CODE),
                artifacts={contract.BOOSTER_ARTIFACT: str(model_file)},
                signature=contract.signature(FEATURES),
                registered_model_name=name,
                pip_requirements=["xgboost", "numpy", "pandas"],
            )
            # And the evaluation model at the run's top, written twice: an overwrite.
            first.save_model(str(eval_file))
            mlflow.log_artifact(str(eval_file))
            second.save_model(str(eval_file))
            mlflow.log_artifact(str(eval_file))
        run_id = run.info.run_id

        # 3. Read back as Callup does (the registered version's booster), byte for byte.
        ref = registry.get_version(client, int(info.registered_model_version), name)
        assert registry.fetch_model_bytes(client, ref) == written
        assert len(written) > 1000  # a real booster, not an empty file
        back = Path(
            mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(tmp_path / "d"))
        )
        assert (back / EVALUATION_ARTIFACT).read_bytes() == eval_file.read_bytes()

        # 4. In the bucket, under the artifacts destination, each with a version id; the
        # overwritten artifact kept both versions, the first still readable.
        versions = s3.list_object_versions(Bucket=bucket, Prefix="artifacts/")["Versions"]
        [booster_object] = [v for v in versions if v["Key"].endswith(f"/{registry.BOOSTER_FILE}")]
        assert all(v["VersionId"] not in (None, "", "null") for v in versions)
        assert s3.get_object(Bucket=bucket, Key=booster_object["Key"])["Body"].read() == written
        evaluation = [
            v for v in versions if v["Key"].endswith(f"{run_id}/artifacts/{EVALUATION_ARTIFACT}")
        ]
        assert len(evaluation) == 2, [v["Key"] for v in versions]
        assert len({v["VersionId"] for v in evaluation}) == 2
        older = next(v for v in evaluation if not v["IsLatest"])
        old_bytes = s3.get_object(Bucket=bucket, Key=older["Key"], VersionId=older["VersionId"])
        first.save_model(str(eval_file))
        assert old_bytes["Body"].read() == eval_file.read_bytes()
    finally:
        stop_process(proc, fast=True)
