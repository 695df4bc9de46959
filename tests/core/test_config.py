"""Settings: TOML + BUSYBEE_* overrides, search order, errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import ConfigError, find_config, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "busybee.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""), env={})
    assert s.data_dir == (tmp_path / "data").resolve()
    assert s.spool_dir == (tmp_path / "data" / "spool").resolve()
    assert s.db_path.name == "busybee.db"
    assert s.mail.imap == []


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[web]\nprot = 80\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert "web.prot" in str(err.value) and str(path) in str(err.value) and "unknown key" in str(err.value)


def test_bad_value_names_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"web\.port.*got 'eighty'"):
        load_settings(write(tmp_path, '[web]\nport = "eighty"\n'), env={})


def test_env_override_parses_types_and_wins(tmp_path: Path) -> None:
    path = write(tmp_path, "[web]\nport = 8080\n")
    s = load_settings(path, env={"BUSYBEE_WEB__PORT": "9191", "BUSYBEE_LOG__LEVEL": "debug"})
    assert s.web.port == 9191 and s.log.level == "debug"


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BUSYBEE_JOBS__WORKERS"):
        load_settings(write(tmp_path, ""), env={"BUSYBEE_JOBS__WORKERS": "-3"})


def test_unknown_env_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BUSYBEE_WEB__COLOUR"):
        load_settings(write(tmp_path, ""), env={"BUSYBEE_WEB__COLOUR": "red"})


def test_env_overrides_an_imap_account_field(tmp_path: Path) -> None:
    text = '[[mail.imap]]\nname = "sales"\nhost = "imap.example.com"\nusername = "u"\npassword = "x"\n'
    s = load_settings(write(tmp_path, text), env={"BUSYBEE_MAIL__IMAP__0__PASSWORD": "from-env"})
    assert s.mail.imap[0].password == "from-env"
    assert s.mail.imap[0].effective_port == 993


def test_plain_imap_only_to_localhost_and_only_when_allowed(tmp_path: Path) -> None:
    acct = '[[mail.imap]]\nname = "a"\nusername = "u"\npassword = "p"\nsecurity = "plain"\n'
    with pytest.raises(ConfigError, match="allow_plain"):
        load_settings(write(tmp_path, acct + 'host = "127.0.0.1"\n'), env={})
    with pytest.raises(ConfigError, match="only allowed to localhost"):
        load_settings(write(tmp_path, acct + 'host = "mail.example.com"\nallow_plain = true\n'), env={})
    ok = load_settings(write(tmp_path, acct + 'host = "127.0.0.1"\nallow_plain = true\n'), env={})
    assert ok.mail.imap[0].effective_port == 143


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[web\n"), env={})


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(""), b.write_text("")
    monkeypatch.chdir(tmp_path)
    assert find_config(a, env={"BUSYBEE_CONFIG": str(b)}) == a
    assert find_config(None, env={"BUSYBEE_CONFIG": str(b)}) == b
    write(tmp_path, "")
    assert find_config(None, env={}) == tmp_path / "busybee.toml"
    with pytest.raises(ConfigError, match="from --config"):
        find_config(tmp_path / "missing.toml", env={})


def test_no_config_anywhere_says_how_to_make_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("gateway.config.SYSTEM_CONFIG", tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="busybee init"):
        find_config(None, env={})
