"""Pinned connections over TLS: dial the validated IP, but verify the certificate for the host name (SNI)."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import httpx2

from analyzer.deadline import deadline_transport
import pytest
from fetch_support import LoopbackOnlyTransport, _no_fetch_env, fast_config  # noqa: F401
from pytest_httpserver import HTTPServer

from analyzer.errors import FetchError
from analyzer.fetch import fetch_listing

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI to make a test certificate")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=listing.test", "-addext", "subjectAltName=DNS:listing.test"],
        check=True, capture_output=True,
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context)
    server.start()
    try:
        yield server, ssl.create_default_context(cafile=str(cert))
    finally:
        server.clear()
        server.stop()


def _config(tmp_path, transport):
    return fast_config(
        tmp_path, transport=transport, respect_robots=False, max_attempts=1,
        resolver=lambda host, port: ["127.0.0.1"], allowed_hosts=frozenset({"listing.test", "other.test"}),
    )


def test_https_connects_to_the_pinned_ip_with_the_name_for_sni_and_host(tls_server, tmp_path):
    server, client_context = tls_server
    server.clear()
    server.expect_request("/card").respond_with_data("# TLS Agent\n\nServed over TLS.\n", content_type="text/markdown")
    transport = LoopbackOnlyTransport(inner=deadline_transport(verify=client_context))
    listing = fetch_listing(f"https://listing.test:{server.port}/card", config=_config(tmp_path, transport))
    assert listing.title == "TLS Agent"
    assert [str(r.url.host) for r in transport.sent] == ["127.0.0.1"]
    assert transport.sent[0].headers["Host"] == f"listing.test:{server.port}"


def test_https_certificate_is_checked_against_the_name_not_the_ip(tls_server, tmp_path):
    server, client_context = tls_server
    server.clear()
    server.expect_request("/card").respond_with_data("# TLS Agent\n", content_type="text/markdown")
    transport = LoopbackOnlyTransport(inner=deadline_transport(verify=client_context))
    with pytest.raises(FetchError, match="other.test") as exc:
        fetch_listing(f"https://other.test:{server.port}/card", config=_config(tmp_path, transport))
    assert "CERTIFICATE_VERIFY_FAILED" in str(exc.value) or "certificate" in str(exc.value).lower()
    assert server.log == []
