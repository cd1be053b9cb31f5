"""docker-compose.yml and the Dockerfile, checked without Docker.

Every command a Callup-image service runs must name a program, module and
entry point that exist here; the S3 settings must reach the MLflow server;
health checks and ``depends_on`` conditions must line up; every setting must
come from the environment. Where ``docker compose`` is installed, it
validates the file too.
"""

from __future__ import annotations

import configparser
import importlib
import re
import shlex
import shutil
import subprocess
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SERVER_LOCK = ROOT / "requirements" / "server.txt"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"

_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
_ESCAPED = "\x00"
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
CORE = {"redis", "postgres", "s3", "s3-init", "mlflow", "init", "api", "worker", "beat"}
CORE |= {"predict-worker"}


def resolve(value: Any) -> str:
    """Compose's interpolation with nothing set: defaults, and ``<NAME>`` for required ones."""
    text = str(value).replace("$$", _ESCAPED)
    text = _VAR.sub(lambda m: m.group(3) if "-" in (m.group(2) or "") else f"<{m.group(1)}>", text)
    return text.replace(_ESCAPED, "$")


def argv(command: Any) -> list[str]:
    return (
        [resolve(part) for part in command]
        if isinstance(command, list)
        else shlex.split(resolve(command))
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def callup_services(compose, services) -> dict[str, dict[str, Any]]:
    """The services that run the image built from ./Dockerfile."""
    image = compose["x-callup-image"]["image"]
    return {name: s for name, s in services.items() if s.get("image") == image}


def _setup_cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return parser


def _lines(parser: configparser.ConfigParser, section: str, key: str) -> list[str]:
    return [line.strip() for line in parser[section][key].splitlines() if line.strip()]


# --- commands --------------------------------------------------------------------------------


def _check_gunicorn(args: list[str]) -> None:
    spec = next(a for a in args[1:] if not a.startswith("-") and ":" in a)
    module_name, _, attr = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attr.removesuffix("()"))
    assert callable(factory), spec


def _check_celery(args: list[str]) -> None:
    module_name = args[args.index("-A") + 1]
    module = importlib.import_module(module_name)
    apps = [v for v in vars(module).values() if isinstance(v, Celery)]
    assert apps, f"celery -A {module_name}: no Celery app in {module_name}"
    subcommand = args[args.index("-A") + 2]
    assert subcommand in ("worker", "beat", "flower", "inspect"), subcommand
    if subcommand == "worker" and "-Q" in args:
        declared = {q.name for q in apps[0].conf.task_queues}
        wanted = set(args[args.index("-Q") + 1].split(","))
        assert wanted <= declared, f"queues {wanted - declared} are not declared"
    if subcommand == "flower":
        assert any(
            r.startswith("flower") for r in _lines(_setup_cfg(), "options.extras_require", "server")
        )


def _check_callup(words: list[str]) -> None:
    from cli.main import main

    command: click.Command = main
    path = []
    for word in words:
        if word.startswith("-"):
            break
        assert isinstance(command, click.Group) and word in command.commands, (
            f"`callup {' '.join([*path, word])}` does not exist"
        )
        command = command.commands[word]
        path.append(word)
    assert path and not isinstance(command, click.Group), f"`callup {' '.join(path)}` is a group"
    options = {opt for param in command.params for opt in param.opts}
    for word in words[len(path) :]:
        if word.startswith("--"):
            assert word.split("=")[0] in options, f"`callup {' '.join(path)}` has no {word}"


def _check_mlflow(args: list[str]) -> None:
    assert args[1] == "server"
    from mlflow.cli import cli

    options = {opt for param in cli.commands["server"].params for opt in param.opts}
    for arg in args[2:]:
        if arg.startswith("--"):
            assert arg.split("=")[0] in options, f"mlflow server has no {arg}"


def _check_python_module(args: list[str]) -> None:
    assert args[1] == "-m", args
    module = importlib.import_module(args[2])
    assert callable(getattr(module, "main", None)), f"{args[2]} has no main()"


def check_command(args: list[str]) -> None:
    """The program exists as an installed console script and its target exists."""
    if args[:2] == ["python", "-m"]:
        _check_python_module(args)
        return
    if args[:2] == ["sh", "-c"]:
        calls = re.findall(r"\bcallup\s+([^;&|]+)", args[2])
        assert calls, f"a shell command that runs no callup command: {args[2]!r}"
        for call in calls:
            check_command(["callup", *shlex.split(call)])
        return
    program = args[0]
    scripts = {ep.name for ep in entry_points(group="console_scripts")}
    assert program in scripts, f"{program} is not an installed console script"
    checks = {
        "gunicorn": _check_gunicorn,
        "celery": _check_celery,
        "mlflow": _check_mlflow,
        "callup": lambda a: _check_callup(a[1:]),
    }
    assert program in checks, f"no check for {program}"
    checks[program](args)


def test_every_callup_service_runs_a_command_that_exists_here(callup_services):
    assert set(callup_services) >= {"mlflow", "init", "api", "worker", "beat", "flower"}
    for name, service in callup_services.items():
        assert "command" in service, f"{name} relies on the image's default command"
        check_command(argv(service["command"]))


def test_the_console_script_the_image_uses_is_the_cli():
    scripts = _lines(_setup_cfg(), "options.entry_points", "console_scripts")
    assert "callup = cli.main:main" in scripts


def test_the_expected_services_are_all_there(services):
    assert set(services) >= CORE | {"flower"}


# --- S3 artifacts reach MLflow ---------------------------------------------------------------


def test_the_mlflow_server_stores_artifacts_in_the_versioned_bucket(services):
    mlflow, bucket_job = services["mlflow"], services["s3-init"]
    args = argv(mlflow["command"])
    flags = dict(a.split("=", 1) for a in args if a.startswith("--") and "=" in a)

    assert "--serve-artifacts" in args
    destination = flags["--artifacts-destination"]
    assert destination.startswith("s3://")
    bucket = destination.removeprefix("s3://").split("/")[0]
    assert bucket == resolve(bucket_job["environment"]["MLFLOW_BUCKET"])
    assert argv(bucket_job["command"]) == ["python", "-m", "prospects.s3bucket"]
    store = resolve(mlflow["environment"]["MLFLOW_BACKEND_STORE_URI"])
    assert store.startswith("postgresql://") and "@postgres:5432/" in store
    assert "--backend-store-uri" not in flags  # read from the environment: no password in argv

    env = {k: resolve(v) for k, v in mlflow["environment"].items()}
    init_env = {k: resolve(v) for k, v in bucket_job["environment"].items()}
    assert env["MLFLOW_S3_ENDPOINT_URL"] == init_env["MLFLOW_S3_ENDPOINT_URL"] == "http://s3:8333"
    assert "8333" in [str(p) for p in services["s3"]["expose"]]
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert env[key] == init_env[key]
    identities = resolve(yaml.safe_load(COMPOSE.read_text())["configs"]["s3-identities"]["content"])
    assert env["AWS_ACCESS_KEY_ID"] in identities and env["AWS_SECRET_ACCESS_KEY"] in identities
    assert mlflow["depends_on"]["s3-init"]["condition"] == "service_completed_successfully"
    assert mlflow["depends_on"]["s3"]["condition"] == "service_healthy"


def test_the_mlflow_image_has_its_postgresql_driver_and_s3_client():
    server = _lines(_setup_cfg(), "options.extras_require", "server")
    assert any(r.startswith("psycopg2-binary") for r in server)
    assert any(r.startswith("boto3") for r in server)
    locked = _pins(SERVER_LOCK)
    assert {"psycopg2-binary", "boto3", "flower"} <= set(locked)
    assert "pip install -r requirements/server.txt" in DOCKERFILE.read_text()


def test_callup_processes_talk_to_the_compose_services(callup_services):
    for name, service in callup_services.items():
        if name in ("mlflow", "s3-init"):  # the registry and its bucket, not Callup itself
            continue
        env = {k: resolve(v) for k, v in service["environment"].items()}
        assert env["REDIS_URL"].startswith("redis://:<REDIS_PASSWORD>@redis:6379/"), name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["MLFLOW_TRACKING_URI"] == "http://mlflow:5000", name


# --- health checks and start order -----------------------------------------------------------


def test_the_services_others_wait_for_have_health_checks(services):
    for name in ("redis", "postgres", "s3", "mlflow", "api", "worker"):
        test = services[name].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"


def test_depends_on_uses_conditions_that_can_be_met(services):
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            assert isinstance(spec, dict) and spec.get("condition") in CONDITIONS, (name, target)
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no health check"
            if spec["condition"] == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} is not one-shot"
    for name in ("api", "worker", "beat"):
        assert services[name]["depends_on"]["init"]["condition"] == (
            "service_completed_successfully"
        )


def test_there_is_no_dependency_cycle(services):
    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        for target in services[name].get("depends_on") or {}:
            visit(target, (*path, name))

    for name in services:
        visit(name, ())


def _redis_conf(compose) -> dict[str, str]:
    redis = compose["services"]["redis"]
    [mounted] = redis["configs"]
    assert argv(redis["command"]) == ["redis-server", mounted["target"]]
    lines = resolve(compose["configs"][mounted["source"]]["content"]).splitlines()
    return dict(line.split(" ", 1) for line in lines if line.strip())


def test_redis_persists_with_an_append_only_file(compose, services):
    conf = _redis_conf(compose)
    assert conf["appendonly"] == "yes" and conf["appendfsync"] == "everysec"
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])


def test_redis_has_a_password_and_never_evicts_a_queued_task(compose, services):
    conf = _redis_conf(compose)
    assert conf["requirepass"] == "<REDIS_PASSWORD>"  # required: no default
    assert conf["maxmemory-policy"] == "noeviction"
    assert conf["maxmemory"].endswith(("mb", "gb"))
    assert "REDISCLI_AUTH" in " ".join(services["redis"]["healthcheck"]["test"])


# --- scaling ---------------------------------------------------------------------------------


def test_workers_scale_and_beat_stays_single(services):
    beat = services["beat"]
    for worker in (services["worker"], services["predict-worker"]):
        assert "container_name" not in worker and "ports" not in worker
    assert beat["deploy"]["replicas"] == 1
    assert beat.get("container_name"), "a fixed name makes --scale beat=2 fail"
    assert services["api"]["ports"]


# --- configuration from the environment only -------------------------------------------------


def test_secrets_have_no_default_and_settings_come_from_the_environment(services):
    secret = re.compile(r"PASSWORD|SECRET|TOKEN|BASIC_AUTH")
    urls = ("DATABASE_URL", "REDIS_URL", "MLFLOW_BACKEND_STORE_URI")
    for name, service in services.items():
        assert "env_file" not in service, f"{name}: settings go through environment:"
        for key, value in (service.get("environment") or {}).items():
            if secret.search(key) or key in urls:
                assert re.search(r"\$\{\w+:\?", str(value)), f"{name}.{key} has a fixed secret"


def test_no_secret_reaches_a_command_line(services):
    """`docker inspect` and `ps` show commands: secrets go in the environment or a file."""
    for name, service in services.items():
        for part in ("command", "entrypoint"):
            if part in service:
                text = " ".join(argv(service[part]))
                assert not re.search(r"<\w*(PASSWORD|SECRET)\w*>", text), f"{name}.{part}: {text}"


# --- safe by default ---------------------------------------------------------------------------


def test_every_image_is_pinned_to_a_tag(services):
    for name, service in services.items():
        image = resolve(service["image"])
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag not in ("latest", "") and re.search(r"\d", tag), f"{name}: {image} floats"


def _published(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host address, container port) of each published port; "" for every interface."""
    found = []
    for spec in service.get("ports") or []:
        parts = resolve(spec).split(":")
        host = parts[0] if len(parts) == 3 else ""
        found.append((host, parts[-1]))
    return found


def test_only_the_api_is_published_on_every_interface(services):
    """The rest lack auth or are operators' consoles: this host only, or unpublished."""
    for name, service in services.items():
        for host, port in _published(service):
            if name != "api":
                assert host == "127.0.0.1", f"{name} publishes {port} on every interface"
    assert _published(services["api"]) == [("", "8000")]


def test_mlflow_is_reachable_only_inside_the_compose_network(services):
    mlflow = services["mlflow"]
    assert "ports" not in mlflow
    assert [str(p) for p in mlflow["expose"]] == ["5000"]
    for name in ("s3", "redis", "postgres"):
        assert "ports" not in services[name], f"{name} is published"


def test_every_long_running_service_has_a_health_check(services):
    for name, service in services.items():
        if service.get("restart") == "no":
            continue  # a one-shot job: it succeeds or fails, others wait for that
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"
    assert argv(services["beat"]["healthcheck"]["test"][1:]) == ["python", "-m", "schedules.health"]


def test_every_service_has_resource_limits_and_rotated_logs(services):
    for name, service in services.items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert limits.get("memory") and limits.get("cpus"), f"{name} has no limits"
        logging = service.get("logging") or {}
        options = logging.get("options") or {}
        assert logging.get("driver") == "json-file", f"{name} keeps its logs unrotated"
        assert options.get("max-size") and options.get("max-file"), f"{name}: {logging}"


def test_beat_keeps_no_schedule_file_and_no_volume(compose, services):
    beat = services["beat"]
    assert "-s" not in argv(beat["command"]) and "--schedule" not in " ".join(beat["command"])
    assert "volumes" not in beat
    assert "beat-data" not in (compose.get("volumes") or {})


def test_every_variable_the_compose_file_reads_is_documented_in_env_example():
    used = set(_VAR.findall(COMPOSE.read_text().replace("$$", _ESCAPED)))
    names = {name for name, _, _ in used} - {"COMPOSE_PROJECT_NAME"}
    documented = set(re.findall(r"^(\w+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert names <= documented, f"not in .env.example: {sorted(names - documented)}"


# --- the image -------------------------------------------------------------------------------


def test_there_is_one_dockerfile_and_every_app_service_builds_it(compose, callup_services):
    skip = {".git", "var", "node_modules"}
    found = [
        p
        for p in ROOT.rglob("Dockerfile*")
        if not any(part in skip or part.startswith(".venv") for part in p.parts)
    ]
    assert found == [DOCKERFILE]
    build = compose["x-callup-image"]["build"]
    assert build == {"context": ".", "dockerfile": "Dockerfile"}
    for service in callup_services.values():
        assert service["build"] == build


def test_the_dockerfile_installs_the_project_and_runs_it_as_a_non_root_user():
    text = DOCKERFILE.read_text()
    # The image's Python is the oldest the project supports (python_requires), the one CI tests.
    image = re.search(r"^FROM python:(3\.\d+)-slim\b", text, re.MULTILINE)
    assert image and image.group(1) == "3.12"
    assert _setup_cfg()["options"]["python_requires"].strip() == f">={image.group(1)}"
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    copied = set(re.findall(r"^COPY\s+(\w+)\s", text, re.MULTILINE))
    packages = {p.rstrip("*") for p in _lines(_setup_cfg(), "options.packages.find", "include")}
    assert packages <= copied, f"not copied into the image: {packages - copied}"
    cmd = re.search(r"^CMD\s+(\[.*\])", text, re.MULTILINE)
    assert cmd is not None
    check_command(yaml.safe_load(cmd.group(1)))


def test_docker_compose_itself_accepts_the_file(tmp_path):
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    env_file = tmp_path / ".env"
    env_file.write_text(ENV_EXAMPLE.read_text())
    done = subprocess.run(
        [docker, "compose", "--env-file", str(env_file), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_every_queue_has_a_worker_and_predictions_have_their_own(services):
    """Predictions never wait behind a ranking chunk: their worker takes no other queue."""
    queues = {}
    for name in ("worker", "predict-worker"):
        command = argv(services[name]["command"])
        queues[name] = set(command[command.index("-Q") + 1].split(","))
    assert queues["predict-worker"] == {"predict"}
    assert queues["worker"] | queues["predict-worker"] == {"predict", "rank", "train"}
    assert services["predict-worker"]["environment"]["CALLUP_TASK_EVENTS"] == "0"


def test_the_init_job_migrates_the_schema(services) -> None:
    """``callup db upgrade`` (Alembic) makes or upgrades the schema; create_all never runs."""
    script = " ".join(argv(services["init"]["command"]))
    assert "callup db upgrade" in script
    assert "db init" not in script
    from cli.main import main

    assert "upgrade" in main.commands["db"].commands


def test_the_feed_drop_location_is_on_the_object_store_mlflow_uses(services) -> None:
    """The weekly feed (docs/feed.md) reads s3://<MLflow's bucket>/feed on the S3 store."""
    env = services["worker"]["environment"]
    assert resolve(env["CALLUP_FEED_URL"]) == "s3://mlflow/feed"
    mlflow_artifacts = next(a for a in argv(services["mlflow"]["command"]) if "artifacts-dest" in a)
    assert mlflow_artifacts.endswith("s3://mlflow/artifacts")
    assert resolve(env["AWS_ENDPOINT_URL"]) == resolve(
        services["mlflow"]["environment"]["MLFLOW_S3_ENDPOINT_URL"]
    )
    assert resolve(env["AWS_SECRET_ACCESS_KEY"]) == "<S3_SECRET_KEY>"
    # Predictions need no S3: the feed settings reach the long-job workers, not the API.
    assert "CALLUP_FEED_URL" not in services["api"]["environment"]


# --- a lean, reproducible image --------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not pinned"
            pins[name.strip()] = version.strip()
    return pins


def _requirements(*sections: tuple[str, str]) -> list:
    from packaging.requirements import Requirement

    parser = _setup_cfg()
    return [
        Requirement(line)
        for section, key in sections
        for line in _lines(parser, section, key)
        if not line.startswith("#")
    ]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_image_installs_locked_dependencies_before_it_copies_the_source():
    text = DOCKERFILE.read_text()
    deps = text.index("RUN pip install -r requirements/server.txt")
    first_source = min(text.index(f"COPY {pkg} ") for pkg in ("app", "prospects", "workers"))
    assert deps < first_source, "a code change would reinstall every dependency"
    assert "COPY requirements/server.txt" in text[:deps]
    assert "pip install --no-deps ." in text[first_source:]
    assert re.search(r"^HEALTHCHECK .*CMD .*/healthz", text, re.MULTILINE | re.DOTALL)


def test_the_locks_satisfy_setup_cfg_and_agree_with_each_other():
    server, everything = _pins(SERVER_LOCK), _pins(CONSTRAINTS)
    runtime = _requirements(("options", "install_requires"), ("options.extras_require", "server"))
    tools = _requirements(("options.extras_require", "test"), ("options.extras_require", "dev"))
    for requirement in runtime:
        name = _canonical(requirement.name)
        assert name in server, f"{name} is not in requirements/server.txt"
        assert requirement.specifier.contains(server[name], prereleases=True), (name, server[name])
    for requirement in runtime + tools:
        name = _canonical(requirement.name)
        assert name in everything, f"{name} is not in requirements/constraints.txt"
        assert requirement.specifier.contains(everything[name], prereleases=True), name
    assert {n: v for n, v in everything.items() if n in server} == server


def test_test_only_tools_stay_out_of_the_image():
    server = _pins(SERVER_LOCK)
    for name in ("shap", "pytest", "schemathesis", "selenium", "ruff"):
        assert name not in server, f"{name} would ship in the image"
    runtime = {_canonical(r.name) for r in _requirements(("options", "install_requires"))}
    assert "shap" not in runtime


def test_ci_installs_what_the_lock_pins():
    assert "-c requirements/constraints.txt" in (ROOT / ".ci" / "run").read_text()


def test_current_redis_gunicorn_and_flask_limiter_are_supported():
    pins = _pins(CONSTRAINTS)
    assert int(pins["redis"].split(".")[0]) >= 8
    assert int(pins["gunicorn"].split(".")[0]) >= 26  # mlflow 3.17 caps it below 27
    assert int(pins["flask-limiter"].split(".")[0]) >= 4


def test_the_rate_limiter_touches_no_private_attribute_of_flask_limiter():
    for path in ("app/limits.py", "app/ratewindow.py", "app/extensions.py"):
        source = (ROOT / path).read_text()
        assert not re.search(r"\.(_limiter|_storage|_strategy)\b", source), path
