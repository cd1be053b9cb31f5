"""The explained single-row compute floor, in code any checkout since Python 3.11 can run.

One row's exact contributions at a time on one thread, the champion as a worker
holds it, features already built. To compare two checkouts, run it from each
one's root with its own venv against the workdir its ``bench/predict.py``
prepared::

    python bench/floor.py WORKDIR [REPEATS]

Prints one JSON line. It uses only APIs older checkouts have too (that is why
it does not reuse ``bench/predict.py``'s own floor).
"""

# ruff: noqa: E402, E401, I001 - the environment must be set before the imports read it
import json, os, statistics, sys, time
from datetime import date
from pathlib import Path

sys.path.insert(0, os.getcwd())
workdir = Path(sys.argv[1])
os.environ.update(
    {
        "DATABASE_URL": f"sqlite:///{workdir / 'callup.db'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": (workdir / "mlartifacts").as_uri(),
        "CALLUP_VAR_DIR": str(workdir / "var"),
    }
)
import xgboost
from prospects import eligibility, registry
from prospects.db.session import session_scope
from prospects.features.build import build_features
from prospects.features.context import LeagueContext
from prospects.features.data import load_league
from prospects.serving.loaded import LoadedModel
from prospects.serving.scoring import feature_matrix

mlflow = registry.client()
champion = registry.get_alias(mlflow, registry.CHAMPION)
raw = registry.fetch_model_bytes(mlflow, champion)
model = LoadedModel.from_bytes(champion.name, champion.version, raw, registry.digest(raw))
as_of = date.today()
with session_scope() as session:
    data = load_league(session, as_of=as_of)
features = build_features(data, as_of, context=LeagueContext.build(data, as_of))
standing = eligibility.assess(data, as_of)
eligible = [i for i in features.index if standing.loc[i]["eligible"]]
X = feature_matrix(model, features.loc[eligible[:300]])
span = getattr(model, "iteration_range", (0, 0))
model.booster.set_param({"nthread": 1})


def one(row):
    return model.booster.predict(
        model.matrix(row[None, :]), pred_contribs=True, iteration_range=span
    )


for row in X[:20]:
    one(row)
times = []
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    for row in X:
        t = time.perf_counter()
        one(row)
        times.append((time.perf_counter() - t) * 1000)
print(
    json.dumps(
        {
            "xgboost": xgboost.__version__,
            "python": sys.version.split()[0],
            "trees": model.booster.num_boosted_rounds(),
            "kept": span,
            "rows": len(X),
            "p50_ms": round(statistics.median(times), 3),
            "mean_ms": round(statistics.fmean(times), 3),
        }
    )
)
