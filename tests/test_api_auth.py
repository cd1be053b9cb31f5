"""API keys: the domain functions, the CLI, 401s, roles (403) and the key cache."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app import create_app
from app.auth import require_role
from app.blueprints import api_blueprint
from cli.main import main
from prospects.apikeys import ApiKeyError, create_key, hash_key, revoke_key, verify_key
from prospects.db.models import ApiKey, User
from prospects.db.session import drop_db, session_scope

URL = "/api/ml/prospects"


def test_keys_are_random_prefixed_and_stored_only_as_hashes(sqlite_url):
    with session_scope(sqlite_url) as session:
        key, record = create_key(session, "carol", "admin")
        other, _ = create_key(session, "carol")
    assert key.startswith("cu_") and len(key) > 40 and key != other
    with session_scope(sqlite_url) as session:
        stored = session.scalars(select(ApiKey).where(ApiKey.prefix == key[:12])).one()
        assert stored.key_hash == hash_key(key) and key not in stored.key_hash
        principal = verify_key(session, key)
    assert principal.name == "carol" and principal.role == "admin"
    assert principal.has_role("analyst") and principal.has_role("admin")


def test_create_key_refuses_a_silent_role_change(sqlite_url):
    with session_scope(sqlite_url) as session:
        create_key(session, "dave", "viewer")
        with pytest.raises(ApiKeyError, match="already exists"):
            create_key(session, "dave", "admin")
        with pytest.raises(ApiKeyError, match="unknown role"):
            create_key(session, "erin", "owner")


def test_verify_rejects_unknown_malformed_and_revoked_keys(sqlite_url):
    with session_scope(sqlite_url) as session:
        key, record = create_key(session, "frank", "viewer")
        assert verify_key(session, "cu_" + "x" * 43) is None
        assert verify_key(session, key[3:]) is None
        assert verify_key(session, key + "x" * 200) is None
        revoke_key(session, record.prefix)
    with session_scope(sqlite_url) as session:
        assert verify_key(session, key) is None
        with pytest.raises(ApiKeyError, match="no key"):
            revoke_key(session, "cu_nope")


def test_cli_creates_and_revokes_keys(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()

    created = runner.invoke(main, ["keys", "create", "--user", "gina", "--role", "analyst"])

    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    with session_scope(sqlite_url) as session:
        assert verify_key(session, key).role == "analyst"
        assert session.scalars(select(User).where(User.name == "gina")).one().role == "analyst"
    revoked = runner.invoke(main, ["keys", "revoke", key[:12]])
    assert revoked.exit_code == 0, revoked.output
    with session_scope(sqlite_url) as session:
        assert verify_key(session, key) is None
    clash = runner.invoke(main, ["keys", "create", "--user", "gina", "--role", "admin"])
    assert clash.exit_code != 0 and "already exists" in clash.output


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token cu_abc", "cu_abc"],
)
def test_missing_or_malformed_authorization_is_401(client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.get(URL, headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_wrong_key_is_401(client, make_key):
    make_key("alice")
    response = client.get(URL, headers={"Authorization": "Bearer cu_" + "A" * 43})

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoked_key_is_401(client, sqlite_url, make_key):
    key = make_key("alice")
    assert client.get(URL, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    with session_scope(sqlite_url) as session:
        revoke_key(session, key[:12])

    response = client.get(URL, headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 401


def test_scheme_is_case_insensitive(client, make_key):
    key = make_key("alice")
    assert client.get(URL, headers={"Authorization": f"bearer {key}"}).status_code == 200


def test_verified_keys_are_cached_for_a_few_seconds(app_config, sqlite_url, make_key):
    client = create_app({**app_config, "CALLUP_AUTH_CACHE_SECONDS": 60}).test_client()
    key = make_key("alice")
    assert client.get(URL, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    with session_scope(sqlite_url) as session:
        revoke_key(session, key[:12])

    # Within the cache window the key still works: no database query on the hot path.
    assert client.get(URL, headers={"Authorization": f"Bearer {key}"}).status_code == 200


@pytest.fixture
def roles_client(app_config):
    """An app with a test-only endpoint that needs the analyst role."""
    app = create_app(app_config)
    bp = api_blueprint("roles_test", __name__)

    @bp.get("/analyst-only")
    @require_role("analyst")
    def analyst_only():
        return {"ok": True}

    app.register_blueprint(bp)
    return app.test_client()


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("analyst", 200), ("admin", 200)])
def test_require_role(roles_client, make_key, role, status):
    key = make_key(f"user-{role}", role)

    response = roles_client.get("/api/ml/analyst-only", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == status
    if status == 403:
        assert response.get_json()["error"]["code"] == "forbidden"


def test_require_role_without_a_key_is_401(roles_client):
    assert roles_client.get("/api/ml/analyst-only").status_code == 401


def test_require_role_refuses_unknown_roles():
    with pytest.raises(ValueError):
        require_role("owner")


def test_failed_keys_from_one_address_are_throttled_before_the_database(app_config):
    app = create_app({**app_config, "CALLUP_AUTH_FAILURES_PER_MINUTE": 3})
    client = app.test_client()
    guess = {"Authorization": "Bearer cu_notarealkeyatall"}
    assert [client.get("/api/ml/prospects", headers=guess).status_code for _ in range(3)] == [
        401,
        401,
        401,
    ]
    drop_db(app_config["DATABASE_URL"])  # from now on, asking the database fails

    response = client.get("/api/ml/prospects", headers=guess)
    elsewhere = app.test_client().get(
        "/api/ml/prospects", headers=guess, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )

    assert response.status_code == 429  # refused without asking the database
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert elsewhere.status_code == 503  # an address not throttled does ask it


def test_throttled_addresses_are_counted_apart(app_config):
    app = create_app({**app_config, "CALLUP_AUTH_FAILURES_PER_MINUTE": 1})
    guess = {"Authorization": "Bearer cu_notarealkeyatall"}
    first = app.test_client()
    assert first.get("/api/ml/prospects", headers=guess).status_code == 401
    assert first.get("/api/ml/prospects", headers=guess).status_code == 429

    other = app.test_client().get(
        "/api/ml/prospects", headers=guess, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )

    assert other.status_code == 401


def test_a_verified_key_still_works_from_a_throttled_address(app_config, make_key):
    config = {"CALLUP_AUTH_FAILURES_PER_MINUTE": 1, "CALLUP_AUTH_CACHE_SECONDS": 60}
    app = create_app({**app_config, **config})
    client = app.test_client()
    good = {"Authorization": f"Bearer {make_key('alice')}"}
    assert client.get("/api/ml/prospects", headers=good).status_code == 200  # now cached
    guess = {"Authorization": "Bearer cu_notarealkeyatall"}
    assert client.get("/api/ml/prospects", headers=guess).status_code == 401

    assert client.get("/api/ml/prospects", headers=guess).status_code == 429
    assert client.get("/api/ml/prospects", headers=good).status_code == 200


def test_user_names_cannot_take_the_system_requesters_namespace(sqlite_url):
    with session_scope(sqlite_url) as session:
        with pytest.raises(ApiKeyError, match="may not contain ':'"):
            create_key(session, "system:beat", "admin")
        assert session.scalars(select(User).where(User.name == "system:beat")).first() is None
