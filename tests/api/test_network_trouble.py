"""Waiting on the network's own troubles (issue 12, item 9): Retry-After in both forms and absurd
values, certificates checked against the operating system's trust store and certificate failures
named as such, proxy settings that can't be used."""

from __future__ import annotations

import contextlib
import email.utils
import gc
import http.server
import json
import socket
import ssl
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from labeldesk.api import RetryPolicy, WixLabelsClient, errors
from labeldesk.api.body import MAX_RETRY_AFTER_SECONDS, retry_after_seconds
from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID, Emulator
from tests.conftest import FAST_RETRY, make_client

WIX = "https://www.wixapis.com"
EMPTY_PAGE = json.dumps({"labels": [], "pagingMetadata": {"count": 0, "offset": 0, "total": 0}}).encode()


class _Script(http.server.BaseHTTPRequestHandler):
    """Answers each request with the next (status, headers) of the server's script; then 200 with no labels."""

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.times.append(time.monotonic())
            status, headers = server.script.pop(0) if server.script else (200, {})
        body = EMPTY_PAGE if status == 200 else b'{"message": "slow down", "details": {}}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def loopback():
    """A tiny HTTP server on 127.0.0.1 that follows a script; ``tls(context)`` makes it https."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Script)
    server.daemon_threads = True
    server.script, server.times, server.lock = [], [], threading.Lock()

    def tls(context: ssl.SSLContext) -> None:
        server.socket = context.wrap_socket(server.socket, server_side=True)

    server.tls = tls
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    started = []

    def start() -> None:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        started.append(thread)

    server.start = start
    yield server
    if started:
        server.shutdown()
        started[0].join(5)
    server.server_close()


def client_for(url: str, **kwargs) -> WixLabelsClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return WixLabelsClient(DEFAULT_API_KEY, DEFAULT_SITE_ID, base_url=url, **kwargs)


def http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC), usegmt=True)


# -- Retry-After --------------------------------------------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates_and_caps_absurd_values():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now=now) == 7
    assert retry_after_seconds(" 2.5 ", now=now) == 2.5
    assert retry_after_seconds("-3", now=now) == 0
    assert retry_after_seconds(http_date(now + timedelta(seconds=30)), now=now) == 30
    assert retry_after_seconds("Sun, 29 Nov 2026 12:00:30 -0000", now=now) == 30  # (no zone: UTC)
    assert retry_after_seconds(http_date(now - timedelta(days=2)), now=now) == 0  # past: at once
    for absurd in ("inf", "Infinity", "1e9", "1e+09", "1e400"):
        assert retry_after_seconds(absurd, now=now) == MAX_RETRY_AFTER_SECONDS
    for unreadable in ("nan", "soon", "", None, "Sun, 99 Zzz 2026"):
        assert retry_after_seconds(unreadable, now=now) is None


def test_an_http_date_retry_after_is_waited_for(loopback):
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)  # 2 to 3 s from now
    loopback.script = [(429, {"Retry-After": http_date(ahead)})]
    loopback.start()
    with client_for(loopback.url) as client:
        assert client.list_labels().total == 0
    first, second = loopback.times
    assert second - first >= 1.8  # was the back-off: a few hundredths of a second


def test_a_past_http_date_is_retried_at_once(loopback):
    loopback.script = [(429, {"Retry-After": http_date(datetime.now(UTC) - timedelta(hours=1))})]
    loopback.start()
    retry = RetryPolicy(max_attempts=2, max_total_seconds=5, base_delay=2, max_delay=2)  # back-off: 1-2 s
    with client_for(loopback.url, retry=retry) as client:
        assert client.list_labels().total == 0
    first, second = loopback.times
    assert second - first < 0.9


@pytest.mark.parametrize("absurd", [float("inf"), 1e9])
def test_an_absurd_retry_after_gives_up_plainly_and_never_crashes(emulator, absurd):
    emulator.faults.fail_next(1, status=429, retry_after=absurd)  # sent as "inf", "1e+09"
    with make_client(emulator) as client, pytest.raises(errors.RateLimitedError) as caught:
        client.list_labels()  # inf raised OverflowError ("an unexpected problem")
    said = str(caught.value)
    assert "1000000000" not in said and "inf" not in said
    assert caught.value.message == "Wix is receiving too many requests from LabelDesk. Try again in an hour or so."
    assert len([r for r in emulator.requests if r.path.startswith("/contacts/v4/labels")]) == 1


def test_a_nan_retry_after_falls_back_to_the_back_off(emulator):
    emulator.faults.fail_next(1, status=429, retry_after=float("nan"))
    with make_client(emulator) as client:
        assert client.list_labels().total == 2


def test_a_retry_after_on_503_is_read_the_same_way(emulator):
    emulator.faults.fail_next(1, status=503, retry_after=float("inf"))
    with make_client(emulator) as client, pytest.raises(errors.ServerError) as caught:
        client.list_labels()
    assert caught.value.retry_after == MAX_RETRY_AFTER_SECONDS


# -- certificates -------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(loopback, tmp_path):
    """The loopback server over TLS, with a certificate from a test authority no system trusts."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    loopback.tls(context)
    loopback.start()
    loopback.url = loopback.url.replace("http://", "https://")
    loopback.authority_file = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(loopback.authority_file))
    return loopback


def test_a_refused_certificate_is_named_as_such_not_as_offline(tls_server):
    with client_for(tls_server.url) as client, pytest.raises(errors.CertificateError) as caught:
        client.list_labels()
    said = str(caught.value)
    assert said.startswith("LabelDesk couldn't confirm it is talking to Wix")
    assert "Can't reach" not in said
    assert not caught.value.retryable
    assert not isinstance(caught.value, errors.NetworkError)  # not "offline": no banner, no background tries


def test_certificates_are_checked_against_the_operating_systems_trust_store(tls_server, monkeypatch):
    """The OS store (here: the system's CA file, as SSL_CERT_FILE names it) decides, through truststore."""
    import truststore

    made = []
    real = truststore.SSLContext
    monkeypatch.setattr(truststore, "SSLContext", lambda *args: made.append(real(*args)) or made[-1])
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.authority_file))  # the authority, trusted by "the OS"
    with client_for(tls_server.url) as client:
        assert client.list_labels().total == 0
    assert len(made) == 1  # one context, shared by every connection


# -- proxies ------------------------------------------------------------------------------------------


@pytest.fixture
def no_proxies(monkeypatch):
    import os

    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    return monkeypatch


BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _Recorder:
    """A stand-in proxy on 127.0.0.1: accepts connections, keeps what each one sends, then hangs up."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    self.received.append(connection.recv(65536))
                except OSError:
                    self.received.append(b"")
                # A SOCKS5 greeting gets "none of your ways to sign in will do"; HTTP gets a 502.
                refusal = b"\x05\xff" if self.received[-1].startswith(b"\x05") else BAD_GATEWAY
                with contextlib.suppress(OSError):
                    connection.sendall(refusal)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.socket.close()


@pytest.fixture
def proxy(no_proxies):
    recorder = _Recorder()
    recorder.monkeypatch = no_proxies
    yield recorder
    recorder.close()


def _ipv6_loopback() -> bool:
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"])
def test_no_proxy_is_ever_used_for_this_computer_whatever_no_proxy_says(store, proxy, host, variable):
    """Issue 13, item 7: the proxy of HTTP_PROXY (and the others) received the emulator's key in the
    clear. For a loopback address no proxy is used, and the emulator gets the call itself."""
    if host == "::1" and not _ipv6_loopback():
        pytest.skip("this computer has no IPv6 loopback")
    proxy_ = proxy
    with Emulator(store, host="::1" if host == "::1" else "127.0.0.1", rate_limit=None) as emulator:
        port = emulator.base_url.rsplit(":", 1)[1]
        url = f"http://{'[::1]' if host == '::1' else host}:{port}"
        proxy_.monkeypatch.setenv(variable, proxy_.url)
        proxy_.monkeypatch.setenv("NO_PROXY", "example.com")  # a NO_PROXY that doesn't name this computer
        with client_for(url) as client:
            client.list_labels()
        assert len(emulator.requests) == 1  # the emulator got the call itself
    assert proxy_.received == []  # and the proxy nothing at all (so never the key)


def test_a_proxy_is_still_used_for_wix(proxy):
    """The other side of the rule: beyond this computer, HTTPS_PROXY is used (and the key is never
    sent to it in the clear: only a CONNECT, refused here)."""
    proxy.monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with client_for("https://www.wixapis.com") as client, pytest.raises(errors.ProxyUnreachableError) as caught:
        client.list_labels()
    assert "the HTTPS_PROXY setting" in str(caught.value)  # the proxy refused to pass it on: named as such
    assert proxy.received and all(sent.startswith(b"CONNECT www.wixapis.com:443") for sent in proxy.received)
    assert not any(DEFAULT_API_KEY.encode() in sent for sent in proxy.received)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HTTPS_PROXY", "::::"),
        ("HTTPS_PROXY", "http://[::1"),
        ("https_proxy", "http://someone:s3cret@[::1"),
        ("ALL_PROXY", "socks4://someone:s3cret@127.0.0.1:1080"),
        ("HTTP_PROXY", "ftp://proxy.example:21"),
    ],
)
def test_a_proxy_setting_that_cant_be_used_is_a_plain_error_naming_the_variable(no_proxies, variable, value):
    no_proxies.setenv(variable, value)
    with client_for(WIX) as client:  # made without raising (it raised: a traceback, or a hang)
        with pytest.raises(errors.ProxySettingError) as caught:
            client.list_labels()
        with pytest.raises(errors.ProxySettingError):
            client.fetch_all()
    said = str(caught.value)
    assert f"the {variable} setting" in said
    assert value not in said and "s3cret" not in said and "someone" not in said


def test_a_proxy_setting_that_cant_be_used_doesnt_matter_for_this_computer(emulator, no_proxies):
    no_proxies.setenv("HTTPS_PROXY", "::::")
    no_proxies.setenv("HTTP_PROXY", "::::")
    with make_client(emulator) as client:
        client.list_labels()


# httpcore leaves the socket of a refused SOCKS handshake for the garbage collector to close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
def test_a_socks_proxy_is_supported(proxy):
    """httpx's socks extra is a dependency: a SOCKS proxy is used (here one that hangs up)."""
    proxy.monkeypatch.setenv("ALL_PROXY", proxy.url.replace("http://", "socks5://"))
    with client_for(WIX) as client, pytest.raises(errors.WixError):
        client.list_labels()
    gc.collect()  # (that socket: here, not in some later test)
    assert proxy.received and proxy.received[0].startswith(b"\x05")  # a SOCKS5 greeting


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        return taken.getsockname()[1]  # nothing listens there once it is closed


def test_a_proxy_that_doesnt_answer_is_named_not_taken_for_being_offline(no_proxies):
    """The failure is the proxy's, which is what the person or their network's admin can look at:
    "Check your internet connection" sent them the wrong way."""
    no_proxies.setenv("HTTPS_PROXY", f"http://someone:s3cret@127.0.0.1:{_closed_port()}")
    with client_for(WIX) as client, pytest.raises(errors.ProxyUnreachableError) as caught:
        client.list_labels()
    said = str(caught.value)
    assert "proxy in the HTTPS_PROXY setting" in said and "internet connection" not in said
    assert "s3cret" not in said and "127.0.0.1" not in said
    assert isinstance(caught.value, errors.OfflineError)  # still retried, and the window still goes offline


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
def test_a_socks_proxy_that_hangs_up_mid_handshake_is_a_plain_error_not_a_crash(no_proxies):
    """socksio's own error came through httpx untranslated: 'LabelDesk hit an unexpected problem'."""
    listener = socket.create_server(("127.0.0.1", 0))

    def hang_up() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                connection.recv(64)  # the greeting, then gone without a word

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    no_proxies.setenv("ALL_PROXY", f"socks5://127.0.0.1:{listener.getsockname()[1]}")
    try:
        with client_for(WIX, retry=RetryPolicy(max_attempts=1)) as client, pytest.raises(errors.WixError) as caught:
            client.list_labels()
    finally:
        thread.join(5)
        listener.close()
        gc.collect()  # (httpcore leaves that socket to the garbage collector: here, not in a later test)
    assert isinstance(caught.value, errors.ProxyUnreachableError)
    assert "the ALL_PROXY setting" in str(caught.value)


def test_a_no_proxy_setting_that_cant_be_read_is_named_as_what_it_is(no_proxies):
    no_proxies.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    no_proxies.setenv("NO_PROXY", "::::")
    with client_for(WIX) as client, pytest.raises(errors.ProxySettingError) as caught:
        client.list_labels()
    said = str(caught.value)
    assert "the NO_PROXY setting" in said and "can't use the proxy" not in said


def test_a_socks_proxy_without_its_package_is_a_plain_error(no_proxies):
    no_proxies.setitem(sys.modules, "socksio", None)  # as if httpx[socks] were missing
    no_proxies.setenv("ALL_PROXY", "socks5://someone:s3cret@127.0.0.1:1080")
    with client_for(WIX) as client, pytest.raises(errors.ProxySettingError) as caught:
        client.list_labels()
    assert "the ALL_PROXY setting" in str(caught.value) and "s3cret" not in str(caught.value)
