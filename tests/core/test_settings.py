from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.settings import load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.data_dir == Path("./var")
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("var/safecommunity.db")
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert (settings.default_locale, settings.timezone) == ("zh_CN", "Asia/Shanghai")
    assert settings.face_templates_per_person == 5


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SAFECOMMUNITY_HTTP_PORT", "abc"),
        ("SAFECOMMUNITY_HTTP_PORT", "70000"),
        ("SAFECOMMUNITY_TIMEZONE", "Mars/Olympus"),
        ("SAFECOMMUNITY_DEFAULT_LOCALE", "fr"),
        ("SAFECOMMUNITY_DATABASE_URL", "mysql://x"),
        ("SAFECOMMUNITY_TELEGRAM_TOKEN", "not-a-token"),
        ("SAFECOMMUNITY_FACE_TEMPLATES_PER_PERSON", "0"),
        ("SAFECOMMUNITY_FACE_TEMPLATES_PER_PERSON", "51"),
    ],
)
def test_bad_values_name_their_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert info.value.variable == variable
    assert "\n" not in str(info.value)


def test_unknown_keys_in_dotenv_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SAFECOMMUNITY_HTTP_PROT=8081\n")
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert info.value.variable == "SAFECOMMUNITY_HTTP_PROT"


def test_dotenv_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SAFECOMMUNITY_HTTP_PORT=8081\n")
    assert load_settings().http_port == 8081
    monkeypatch.setenv("SAFECOMMUNITY_HTTP_PORT", "8082")
    assert load_settings().http_port == 8082


def test_secret_is_generated_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(data_dir=tmp_path / "data")
    with pytest.raises(ConfigurationError):
        settings.effective_secret()
    first = settings.ensure_secret()
    assert settings.ensure_secret() == first
    assert oct(settings.secret_file.stat().st_mode)[-3:] == "600"


def test_the_face_template_limit_reaches_the_services(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from core.bootstrap import service_context
    from core.db import make_engine

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFECOMMUNITY_FACE_TEMPLATES_PER_PERSON", "3")
    monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", "test-secret-key-0123456789abcdef")
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    assert service_context(settings, engine).face_templates_per_person == 3
