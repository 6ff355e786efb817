"""kiosk.toml parsing: the shipped file is valid, and every mistake names the file and the dotted key."""

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]


def test_shipped_config_is_valid_and_documented():
    config = load_config(REPO / "kiosk.toml")
    assert config.site.timezone == "Asia/Shanghai"
    assert config.site.currency == "CNY"
    assert config.holds.seconds_for("kiosk") == config.holds.kiosk_seconds
    text = (REPO / "kiosk.toml").read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(text):
        if "=" in line and not line.lstrip().startswith("#"):
            assert text[index - 1].lstrip().startswith("#"), f"key without a comment: {line}"


def test_relative_sqlite_path_is_taken_beside_the_config(tmp_path):
    (tmp_path / "k.toml").write_text('[database]\nurl = "sqlite:///data/store.db"\n')
    config = load_config(tmp_path / "k.toml")
    assert config.database_url == f"sqlite:///{tmp_path / 'data' / 'store.db'}"


def test_a_postgresql_url_is_taken_as_it_is(tmp_path):
    url = "postgresql+psycopg://boxoffice:secret@db-host:5432/boxoffice"
    (tmp_path / "k.toml").write_text(f'[database]\nurl = "{url}"\n')
    assert load_config(tmp_path / "k.toml").database_url == url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[site]\nnmae_zh = "x"\n', "k.toml: site.nmae_zh: unknown key"),
        ('[holds]\ncounter_seconds = "ten"\n', "k.toml: holds.counter_seconds: expected a whole number, got 'ten'"),
        ('[terminal]\nmode = "till"\n', "k.toml: terminal.mode: expected one of"),
        ('[site]\ntimezone = "Mars/Olympus"\n', "k.toml: site.timezone: expected an IANA time zone"),
        ('[database]\nurl = "mysql://x"\n', "k.toml: database.url: expected a sqlite:///PATH"),
        ('[database]\nurl = "postgresql://db-host/boxoffice"\n',
         "k.toml: database.url: expected a sqlite:///PATH or postgresql+psycopg://USER@HOST/DB URL"),
        ('[holds]\nkiosk_seconds = 5\n', "k.toml: holds.kiosk_seconds:"),
        ("[site\n", "k.toml: not valid TOML"),
        ('[printer]\nname = "x"\n', "k.toml: printer: unknown key"),
    ],
)
def test_each_mistake_names_the_file_and_key(text, expected):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("k.toml"))
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems
    assert all("\n" not in problem for problem in caught.value.problems)


def test_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "absent.toml")
    assert caught.value.problems == [f"{tmp_path / 'absent.toml'}: file not found"]


def test_config_is_frozen():
    config = parse_config("", Path("k.toml"))
    with pytest.raises(Exception):
        config.site.language = "en"  # type: ignore[misc]
