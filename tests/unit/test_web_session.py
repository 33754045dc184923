"""The staff pages' session cookie: encrypted and signed, idle and absolute timeouts, Secure in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.auth import Principal, Role
from ledger.settings import Settings
from web.session import SessionCodec, anonymous_session, signed_in_session

KEY = b"k" * 32
REGISTRAR = Principal(sub="medewerker-burgerzaken", roles=frozenset({Role.REGISTRAR}))


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def codec(clock: Clock, *, secure: bool = False) -> SessionCodec:
    return SessionCodec(KEY, idle_s=30 * 60, absolute_s=10 * 3600, secure=secure, clock=clock)


def test_a_session_reads_back_as_written_and_names_its_principal() -> None:
    clock = Clock()
    sessions = codec(clock)
    session = signed_in_session(REGISTRAR, now=sessions.now())

    read = sessions.decode(sessions.encode(session))

    assert read == session
    assert read is not None and read.principal() == REGISTRAR
    assert anonymous_session(now=sessions.now()).principal() is None


def test_the_cookie_shows_nothing_of_what_it_holds() -> None:
    sessions = codec(Clock())
    value = sessions.encode(signed_in_session(REGISTRAR, now=sessions.now()))

    assert "medewerker" not in value
    assert "registrar" not in value


def test_a_changed_cookie_or_one_under_another_key_is_no_session() -> None:
    clock = Clock()
    sessions = codec(clock)
    value = sessions.encode(signed_in_session(REGISTRAR, now=sessions.now()))
    other = SessionCodec(b"o" * 32, idle_s=60, absolute_s=3600, secure=False, clock=clock)

    assert sessions.decode(value[:-6] + ("A" * 6 if not value.endswith("A" * 6) else "B" * 6)) is None
    assert other.decode(value) is None
    assert sessions.decode("not a cookie at all") is None


def test_a_session_left_idle_too_long_ends() -> None:
    clock = Clock()
    sessions = codec(clock)
    value = sessions.encode(signed_in_session(REGISTRAR, now=sessions.now()))

    clock.now += 29 * 60
    assert sessions.decode(value) is not None
    clock.now += 2 * 60
    assert sessions.decode(value) is None


def test_a_session_in_use_still_ends_after_the_absolute_timeout() -> None:
    clock = Clock()
    sessions = codec(clock)
    session = signed_in_session(REGISTRAR, now=sessions.now())
    for _ in range(40):  # a page every 20 minutes for over 13 hours
        clock.now += 20 * 60
        read = sessions.decode(sessions.encode(session))
        if read is None:
            break
        session = read.seen(now=sessions.now())
    assert read is None
    assert clock.now - 1_800_000_000.0 <= 10 * 3600 + 20 * 60


def test_the_cookie_is_secure_and_host_only_in_production() -> None:
    plain, secure = codec(Clock()), codec(Clock(), secure=True)

    assert plain.cookie_name == "ledger_sessie"
    assert secure.cookie_name == "__Host-ledger_sessie"
    assert secure.cookie_options()["secure"] is True
    assert plain.cookie_options()["secure"] is False
    for options in (plain.cookie_options(), secure.cookie_options()):
        assert options["httponly"] is True
        assert options["samesite"] == "lax"
        assert options["path"] == "/"


def test_production_needs_a_session_secret(tmp_path: Path) -> None:
    key = tmp_path / "issuer.pem"
    production = {
        "data_dir": tmp_path / "var",
        "env": "production",
        "keyring_file": tmp_path / "keyring",
        "oidc_issuer": "https://id.medemblik.example",
        "oidc_public_key_file": key,
    }
    with pytest.raises(ValueError, match="LEDGER_WEB_SESSION_SECRET"):
        Settings(**production)
    with pytest.raises(ValueError, match="at least 32"):
        Settings(**production, web_session_secret="short")
    settings = Settings(**production, web_session_secret="s" * 40)

    assert SessionCodec.for_settings(settings).cookie_name.startswith("__Host-")


def test_development_keeps_a_session_key_of_its_own_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    first = SessionCodec.for_settings(settings)
    value = first.encode(anonymous_session(now=first.now()))

    again = SessionCodec.for_settings(settings)

    assert again.decode(value) is not None
    key_files = list((tmp_path / "var").glob("web-session*"))
    assert [path.stat().st_mode & 0o777 for path in key_files] == [0o600]
