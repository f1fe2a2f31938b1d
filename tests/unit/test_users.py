"""lib.accounts.users: the CLI end to end, and that its file is what streamlit-authenticator expects."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from lib.accounts import users
from lib.store import Store, utcnow

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def store_url(users_file: Path) -> str:
    return f"sqlite:///{users_file.parent / 'store.db'}"


def cli(users_file: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib.accounts", "--file", str(users_file), "--store", store_url(users_file), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    )


def add(users_file: Path, username: str, password: str, *extra: str) -> subprocess.CompletedProcess:
    return cli(
        users_file,
        "add",
        username,
        "--name",
        f"{username.title()} Example",
        *extra,
        "--password-stdin",
        stdin=password + "\n",
    )


@pytest.fixture
def users_file(tmp_path) -> Path:
    return tmp_path / "sub" / "users.yaml"


def test_add_list_remove(users_file):
    assert add(users_file, "alice", "s3cret pass", "--admin", "--email", "a@example.com").returncode == 0
    assert add(users_file, "bob", "hunter2").returncode == 0

    listing = cli(users_file, "list")
    assert listing.returncode == 0
    assert listing.stdout.splitlines() == ["alice\tAlice Example\tadmin", "bob\tBob Example\t"]
    assert "$2" not in listing.stdout  # never a hash

    assert cli(users_file, "remove", "bob").returncode == 0
    assert [u["username"] for u in users.list_users(users_file)] == ["alice"]
    assert cli(users_file, "remove", "bob").returncode == 1


def test_remove_and_new_password_sign_the_user_out_everywhere(users_file):
    add(users_file, "alice", "first pass")
    add(users_file, "bob", "hunter2")
    before = utcnow()
    assert cli(users_file, "remove", "alice").returncode == 0
    assert add(users_file, "bob", "new pass", "--replace").returncode == 0
    store = Store(store_url(users_file))
    # A cookie issued before these moments no longer signs anyone in (lib.accounts.auth.session_refusal).
    assert store.signed_out_at("alice") > before and store.signed_out_at("bob") > before
    store.dispose()


def test_file_layout_hash_and_mode(users_file):
    add(users_file, "alice", "s3cret pass", "--admin", "--email", "a@example.com")
    data = users.load_users(users_file)
    entry = data["credentials"]["usernames"]["alice"]
    assert entry["name"] == "Alice Example"
    assert entry["email"] == "a@example.com"
    assert entry["roles"] == ["admin"]
    # The trailing newline from stdin is not part of the password.
    assert bcrypt.checkpw(b"s3cret pass", entry["password"].encode())
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    assert users.is_admin(data, "alice")
    assert users.is_admin(data, "ALICE")
    assert not users.is_admin(data, "nobody")
    assert not users.is_admin(data, None)


def test_refuses_empty_password_and_duplicates(users_file):
    result = add(users_file, "alice", "")
    assert result.returncode == 1 and "empty" in result.stderr
    assert not users_file.exists()
    assert add(users_file, "alice", "pw").returncode == 0
    assert add(users_file, "Alice", "other").returncode == 1  # usernames are case-insensitive
    assert cli(users_file, "add", "carol", "--name", "C").returncode != 0  # --password-stdin required


def test_non_admin_has_no_roles(users_file):
    add(users_file, "bob", "pw")
    data = users.load_users(users_file)
    assert data["credentials"]["usernames"]["bob"]["roles"] == []
    assert not users.is_admin(data, "bob")


def test_save_is_atomic_and_leaves_no_temp_files(users_file):
    users.add_user(users_file, "alice", "Alice", "pw")
    users.add_user(users_file, "bob", "Bob", "pw")
    assert sorted(p.name for p in users_file.parent.iterdir()) == ["users.yaml"]


def test_default_file_reads_secrets(tmp_path, monkeypatch):
    monkeypatch.setattr(users, "SECRETS_FILE", tmp_path / "missing.toml")
    assert users.default_users_file() == users.FALLBACK_USERS_FILE
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[auth]\nusers_file = "conf/people.yaml"\ncookie_key = "{"k" * 32}"\n')
    monkeypatch.setattr(users, "SECRETS_FILE", secrets)
    assert users.default_users_file() == users.PROJECT_ROOT / "conf" / "people.yaml"


def test_a_bad_settings_file_is_bad_input_naming_each_key(tmp_path, monkeypatch, capsys):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nusers_file = "u.yaml"\ncookie_key = "short"\n[api]\ntimout = 5\n')
    monkeypatch.setattr(users, "SECRETS_FILE", secrets)
    assert users.main(["list"]) == 2
    err = capsys.readouterr().err
    assert "[auth] cookie_key: shorter than 32 characters" in err and "[api] timout: not a setting" in err
    assert "Traceback" not in err


def test_streamlit_authenticator_accepts_the_file(users_file):
    import streamlit_authenticator as stauth

    add(users_file, "alice", "s3cret pass", "--admin")
    data = users.load_users(users_file)
    authenticator = stauth.Authenticate(
        data["credentials"], "playground_test", "a-test-cookie-key-not-the-default", 1, auto_hash=False
    )
    model = authenticator.authentication_controller.authentication_model
    assert model.check_credentials("alice", "s3cret pass")
    assert not model.check_credentials("alice", "wrong")
    assert not model.check_credentials("mallory", "s3cret pass")
    assert stauth.Hasher.is_hash(data["credentials"]["usernames"]["alice"]["password"])


def test_add_adopt_local_gives_single_user_work_to_the_new_account(tmp_path, store_url, monkeypatch, capsys):
    """Turning on login: the first admin takes over what was made as user "local"."""
    import io

    from lib.accounts.users import main
    from lib.store import Store
    from tests.fixtures.releases import release_database

    url = release_database("r3-2026-12-07-last-before-migrations", store_url)
    store = Store(url)
    store.set_setting("ann", "lang", "zh")  # ann's own setting wins over local's
    before = {
        t: len(getattr(store, f)("local"))
        for t, f in (("conversations", "list_conversations"), ("media", "list_media"), ("uploads", "list_uploads"))
    }
    monkeypatch.setattr("sys.stdin", io.StringIO("ann-pass-123\n"))
    assert (
        main(
            [
                "--file",
                str(tmp_path / "users.yaml"),
                "--store",
                url,
                "add",
                "Ann",
                "--name",
                "Ann",
                "--admin",
                "--password-stdin",
                "--adopt-local",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "gave ann user local's rows: " in out and "conversations 2" in out and "usage 7" in out
    try:
        assert [c.title for c in store.list_conversations("ann")] == ["Haiku (local)", "Lisbon day trip (local)"]
        assert store.list_conversations("local") == [] and len(store.list_media("ann")) == before["media"]
        assert len(store.list_uploads("ann")) == before["uploads"] and store.get_video_task("ann", "task-local-done")
        assert store.list_workbench_runs("ann") and store.list_shares("ann") and store.list_votes("ann")
        assert store.usage_ledger("ann").net_credits() == Store(url).usage_ledger("ann").net_credits() > 0
        assert store.get_setting("ann", "lang") == "zh" and store.get_setting("local", "lang") == "en"
        assert store.usage_ledger("alice").calls().shape[0] == 7, "other users' rows stay theirs"
    finally:
        store.dispose()


def test_reading_the_users_file_loads_no_database_or_http_library():
    """`import lib.accounts.users` (the login, `list`) stays light: the store (SQLAlchemy, Alembic, pandas)
    is imported by the commands that write the database, httpx by the one setting that needs it."""
    heavy = ("pandas", "sqlalchemy", "alembic", "httpx", "lib.store")
    script = f"import sys, lib.accounts.users; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60, check=True
    )
    assert loaded.stdout.split() == []
