"""`cmr-xl serve` through the real command, where it refuses to start: a bad port, the
server extra not installed, no xlwings licence key, a missing --env-file, a certificate
without its key. Nothing here starts a server (should a refusal be missed, uvicorn.run
fails the test instead); the running server is tested in test_server.py."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from workbook_helpers import cmr

#: The refusals after the first need the server extra (without it serve says so first).
needs_the_extra = pytest.mark.skipif(
    not all(importlib.util.find_spec(name) for name in ("xlwings_server", "uvicorn")),
    reason="xlwings Server is not installed: pip install 'cmr-xl[server]'")


@pytest.fixture(autouse=True)
def no_server(monkeypatch):
    """A licence key and no .env file unless a test says otherwise; a server that would
    start fails the test."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("DOTENV_PATH", "")
    try:
        import uvicorn
    except ImportError:
        return

    def started(*args, **kwargs):
        raise AssertionError(f"cmr-xl serve started a server: {args} {kwargs}")

    monkeypatch.setattr(uvicorn, "run", started)


@pytest.mark.parametrize(("port", "said"), [
    ("0", "0 is not in the range 1<=x<=65535"),
    ("65536", "65536 is not in the range 1<=x<=65535"),
    ("http", "'http' is not a valid integer range"),
])
def test_a_bad_port_is_exit_2_naming_it(port, said):
    done = cmr("serve", "--port", port)
    assert done.exit_code == 2
    assert f"Invalid value for '--port': {said}" in done.output


def test_without_the_server_extra_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "xlwings_server", None)  # as if not installed
    done = cmr("serve", "--port", "8765")
    assert done.exit_code == 2
    assert done.stderr == ("error: cmr-xl serve: needs xlwings Server, which is not "
                           "installed. pip install 'cmr-xl[server]'\n")
    assert done.stdout == ""


@needs_the_extra
def test_without_a_licence_key_it_says_which_to_set(monkeypatch):
    monkeypatch.delenv("XLWINGS_LICENSE_KEY")
    done = cmr("serve", "--port", "8765")
    assert done.exit_code == 2
    assert done.stderr.startswith("error: XLWINGS_LICENSE_KEY: is not set: xlwings Server is "
                                  "xlwings PRO. Set it to 'noncommercial'")


@needs_the_extra
def test_a_missing_env_file_is_exit_2_naming_it(tmp_path):
    done = cmr("serve", "--env-file", tmp_path / "nope.env")
    assert done.exit_code == 2
    assert done.stderr == (f"error: {tmp_path / 'nope.env'}: does not exist. Give the path of "
                           "the .env file\n")


@needs_the_extra
def test_a_certificate_without_its_key_is_exit_2(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("not read: refused before")
    done = cmr("serve", "--certfile", cert, "--port", "8765")
    assert done.exit_code == 2
    assert done.stderr == ("error: --certfile/--keyfile: must be given together. Give both or "
                           "neither\n")
