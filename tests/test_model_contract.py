"""The registered model's contract: usable by MLflow's own tools, without Callup's code.

One trained champion for the module. The slow check serves it with
``mlflow models serve --env-manager local`` and compares its probabilities
with Callup's for the same feature rows.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from datetime import date

import mlflow
import numpy as np
import pandas as pd
import pytest
import requests

from prospects import registry
from prospects.training import contract
from tests.servers import free_port, stop_process
from tests.stack import prospects_by_standing, stack

pytestmark = pytest.mark.integration
AS_OF = date(2026, 6, 1)


@pytest.fixture(scope="module")
def champion(tmp_path_factory, redis_dbs):
    with redis_dbs.take() as db, stack(tmp_path_factory.mktemp("contract"), db) as s:
        client = registry.client()
        ref = registry.get_alias(client, registry.CHAMPION)
        yield s, client, ref


@pytest.fixture(scope="module")
def pyfunc_model(champion):
    _, _, ref = champion
    return mlflow.pyfunc.load_model(f"models:/{ref.name}@champion")


@pytest.fixture(scope="module")
def feature_rows(champion) -> pd.DataFrame:
    """Callup's own features for a few prospects, NaN where a feature does not apply."""
    from prospects.db.session import session_scope
    from prospects.features.build import build_features
    from prospects.features.data import load_league

    ids = prospects_by_standing(12)
    with session_scope() as session:
        data = load_league(session, prospect_ids=ids, as_of=AS_OF)
    return build_features(data, AS_OF, ids)


def _callup_probabilities(client, ref, rows: pd.DataFrame) -> np.ndarray:
    from prospects.serving.loaded import LoadedModel
    from prospects.serving.scoring import probabilities

    raw = registry.fetch_model_bytes(client, ref)
    model = LoadedModel.from_bytes(ref.name, ref.version, raw, "digest")
    return probabilities(model, rows)


def test_every_feature_is_a_named_required_double_and_the_output_is_named(
    champion, pyfunc_model, feature_rows
):
    signature = pyfunc_model.metadata.signature
    inputs = signature.inputs.to_dict()
    assert [spec["name"] for spec in inputs] == list(feature_rows.columns)
    assert {(spec["type"], spec.get("required", True)) for spec in inputs} == {("double", True)}
    assert signature.outputs.to_dict() == [
        {"type": "double", "name": "probability", "required": True}
    ]


def test_the_input_example_keeps_missing_values_missing(champion):
    _, _, ref = champion
    local = mlflow.artifacts.download_artifacts(f"models:/{ref.name}@champion")
    example = mlflow.models.Model.load(local).load_input_example(local)
    assert example is not None
    assert example.isna().to_numpy().any()  # NaN stays NaN: 0.0 is a real value to XGBoost


def test_a_missing_feature_is_refused_by_the_schema_not_inside_xgboost(pyfunc_model, feature_rows):
    with pytest.raises(mlflow.exceptions.MlflowException, match="draft_round"):
        pyfunc_model.predict(feature_rows.drop(columns=["draft_round"]))


def test_the_version_says_what_it_takes_and_the_run_logs_its_training_data(champion):
    _, client, ref = champion
    version = client.get_model_version(ref.name, str(ref.version))
    assert "not take a prospect id" in version.description
    assert "null (NaN)" in version.description
    inputs = client.get_run(version.run_id).inputs.dataset_inputs
    assert [i.tags[0].value for i in inputs] == ["training"]
    profile = json.loads(inputs[0].dataset.profile)
    assert profile["num_rows"] > 0


def test_mlflow_in_process_returns_callups_probabilities(champion, pyfunc_model, feature_rows):
    _, client, ref = champion

    answer = pyfunc_model.predict(feature_rows)

    assert list(answer.columns) == [contract.OUTPUT]
    served = answer[contract.OUTPUT].to_numpy(dtype=float)

    np.testing.assert_allclose(served, _callup_probabilities(client, ref, feature_rows), atol=1e-6)


def test_mlflows_scoring_server_returns_callups_probabilities(champion, feature_rows, tmp_path):
    stack_, client, ref = champion
    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "models", "serve", "-m", f"models:/{ref.name}@champion"]
        + ["--env-manager", "local", "-h", "127.0.0.1", "-p", str(port), "-w", "1"],
        env={**__import__("os").environ, **stack_.env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_ping(port, server, tmp_path / "serve.log")
        payload = json.loads(feature_rows.to_json(orient="split", index=False))
        response = requests.post(
            f"http://127.0.0.1:{port}/invocations",
            json={"dataframe_split": payload},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        served = np.array([_number(p) for p in response.json()["predictions"]], dtype=float)
    finally:
        stop_process(server, fast=True)
        log.close()

    np.testing.assert_allclose(served, _callup_probabilities(client, ref, feature_rows), atol=1e-6)


def _number(prediction: object) -> float:
    if isinstance(prediction, dict):
        prediction = prediction[contract.OUTPUT]
    value = float(prediction)
    assert math.isfinite(value)
    return value


def _wait_for_ping(port: int, server: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"mlflow models serve exited:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/ping", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise AssertionError(f"mlflow models serve did not answer:\n{log_path.read_text()[-3000:]}")


def test_the_mlflow_model_stands_alone_and_reads_the_booster_callup_logs():
    """MLflow runs ``mlflow_model.py`` where Callup may not be installed."""
    code = contract.MODEL_CODE.read_text()
    assert "prospects" not in {
        line.split()[1].split(".")[0]
        for line in code.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert f'BOOSTER = "{contract.BOOSTER_ARTIFACT}"' in code
    assert f'OUTPUT = "{contract.OUTPUT}"' in code
