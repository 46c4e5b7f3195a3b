"""The safe fetcher against a real HTTP server on 127.0.0.1 (and 127.0.0.2): limits, refusals, politeness, 304s."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import tracemalloc
import urllib.robotparser
from collections.abc import Iterator

import pytest

from assistant.sources.fetch import (
    AddressPolicy,
    FetchConfig,
    Fetcher,
    FetchError,
    FetchResult,
    address_problem,
    robots_allows,
)

from .sitegen import OK_PARAGRAPHS, Route, Site, build_hostile_site, serve

HINT = "(set ASSISTANT_FETCH_ALLOW_PRIVATE=true to allow)"


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[Site, str]]:
    site = build_hostile_site()
    with serve(site) as base:
        yield site, base


def _error(fetcher: Fetcher, url: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]
    return caught.value


# -- hostile sources -------------------------------------------------------------------------------------------

@pytest.mark.server
def test_hostile_batch_each_fails_with_a_clear_reason_and_the_rest_work(hostile: tuple[Site, str],
                                                                        fetcher: Fetcher) -> None:
    site, base = hostile
    expected = {
        "/feeds/huge.xml": "the response is larger than 10 MB",
        "/feeds/huge-declared.xml": "the response is larger than 10 MB",
        "/loop/a": f"redirect loop ({base}/loop/a → {base}/loop/b → {base}/loop/a)",
        "/chain/1": "too many redirects (6)",
        "/hang": "timed out after 1.5 s (the server stopped answering)",
        "/report.pdf": "not an HTML page or feed (application/pdf)",
        "/disguised.html": "not an HTML page or feed (application/pdf)",
        "/photo.jpg": "not an HTML page or feed (image/jpeg)",
        "/bomb.xml": "the response is larger than 10 MB once decompressed",
        "/private/secret.html": "disallowed by the site's robots.txt for news-assistant",
        "/not-found": "the server answered HTTP 404 Not Found",
    }
    good = ["/ok.html", "/feeds/good.xml", "/feeds/malformed.xml"]  # a malformed feed is fetched; feeds.py refuses it
    urls = [base + p for p in [*expected, *good]]
    started = time.monotonic()
    results = fetcher.fetch_many(urls)
    elapsed = time.monotonic() - started
    for url, result in zip(urls, results):
        path = url[len(base):]
        if path in expected:
            assert isinstance(result, FetchError), f"{path} was not refused: {result}"
            assert str(result) == f"{url}: {expected[path]}"
            assert "Traceback" not in str(result)
        else:
            assert isinstance(result, FetchResult), f"{path} failed: {result}"
            assert result.status == 200 and result.content
    assert elapsed < 8, f"the batch took {elapsed:.1f} s"
    kinds = {url[len(base):]: r.kind for url, r in zip(urls, results) if isinstance(r, FetchError)}
    assert kinds["/hang"] == "timeout" and kinds["/bomb.xml"] == "too_large" and kinds["/loop/a"] == "redirects"
    assert kinds["/report.pdf"] == "content_type" and kinds["/private/secret.html"] == "robots"
    assert kinds["/not-found"] == "http" and results[urls.index(base + "/not-found")].status == 404
    # The 50 MB feed was not read to the end: the server could write little more than the limit plus buffers.
    assert site.bytes_sent.get("/feeds/huge.xml", 0) < 25_000_000
    assert site.bytes_sent.get("/feeds/huge-declared.xml", 0) < 25_000_000


@pytest.mark.server
def test_huge_feed_with_its_length_declared_is_refused_before_reading(hostile: tuple[Site, str],
                                                                      local_config: FetchConfig) -> None:
    _, base = hostile
    with Fetcher(local_config) as fetcher:
        started = time.monotonic()
        error = _error(fetcher, base + "/feeds/huge-declared.xml")
        assert error.reason == "the response is larger than 10 MB"
        assert time.monotonic() - started < 2


@pytest.mark.server
def test_gzip_bomb_is_stopped_quickly_with_bounded_memory(hostile: tuple[Site, str], fetcher: Fetcher) -> None:
    _, base = hostile
    tracemalloc.start()
    started = time.monotonic()
    try:
        error = _error(fetcher, base + "/bomb.xml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert str(error) == f"{base}/bomb.xml: the response is larger than 10 MB once decompressed"
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert peak < 40_000_000, f"peak Python memory {peak / 1e6:.0f} MB while refusing a 1 GiB bomb"


@pytest.mark.server
def test_total_time_limit(hostile: tuple[Site, str]) -> None:
    _, base = hostile
    config = FetchConfig(allow_private=True, min_delay=0, read_timeout=5, total_timeout=1, respect_robots=False)
    with Fetcher(config) as fetcher:
        started = time.monotonic()
        error = _error(fetcher, base + "/hang")
    assert str(error) == f"{base}/hang: took longer than the total limit of 1 s"
    assert time.monotonic() - started < 2.5


@pytest.mark.server
def test_redirect_chain_within_the_limit_is_followed(hostile: tuple[Site, str]) -> None:
    _, base = hostile
    config = FetchConfig(allow_private=True, min_delay=0, max_redirects=9)
    with Fetcher(config) as fetcher:
        result = fetcher.fetch(base + "/chain/1")
    assert result.final_url == base + "/chain/10"
    assert result.redirects == tuple(f"{base}/chain/{i}" for i in range(2, 11))


@pytest.mark.unit
@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "refused: only http and https URLs are fetched, not file"),
    ("ftp://example.org/feed.xml", "refused: only http and https URLs are fetched, not ftp"),
    ("javascript:alert(1)", "refused: only http and https URLs are fetched, not javascript"),
    ("http://user:secret@example.org/", "refused: URLs with a user name or password are not fetched"),
    ("http:///nohost", "not a valid URL (no host)"),
    ("http://example.org:99999/", "not a valid URL (Port out of range 0-65535)"),
])
def test_urls_that_are_never_fetched(url: str, reason: str) -> None:
    with Fetcher(FetchConfig(min_delay=0)) as fetcher:
        assert str(_error(fetcher, url)) == f"{url}: {reason}"


# -- private addresses -----------------------------------------------------------------------------------------

@pytest.mark.unit
@pytest.mark.parametrize("address, problem", [
    ("127.0.0.1", "a loopback address"), ("127.8.9.10", "a loopback address"), ("::1", "a loopback address"),
    ("10.1.2.3", "a private address"), ("172.16.0.5", "a private address"), ("192.168.1.1", "a private address"),
    ("fd12:3456::1", "a private address"), ("100.64.0.1", "a shared (carrier-grade NAT) address"),
    ("169.254.169.254", "a cloud metadata address"), ("fd00:ec2::254", "a cloud metadata address"),
    ("169.254.10.1", "a link-local address"), ("fe80::1", "a link-local address"),
    ("224.0.0.1", "a multicast address"), ("ff02::1", "a multicast address"),
    ("0.0.0.0", "an unspecified address"), ("::", "an unspecified address"),
    ("240.0.0.1", "a private address"),  # reserved 240/4: Python files it as private
    ("::ffff:127.0.0.1", "a loopback address"), ("::ffff:10.0.0.1", "a private address"),
    ("64:ff9b::a00:1", "a private address"), ("2002:7f00:1::", "a loopback address"),
    ("8.8.8.8", None), ("2606:4700:4700::1111", None), ("93.184.216.34", None),
])
def test_address_classes(address: str, problem: str | None) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.unit
def test_allow_private_opens_loopback_and_private_but_never_metadata() -> None:
    strict = AddressPolicy(FetchConfig())
    loose = AddressPolicy(FetchConfig(allow_private=True))
    chosen = AddressPolicy(FetchConfig(allowed_networks=("10.9.0.0/16",)))
    ip = ipaddress.ip_address
    assert strict.problem(ip("127.0.0.1")) == f"a loopback address {HINT}"
    assert loose.problem(ip("127.0.0.1")) is None and loose.problem(ip("192.168.0.7")) is None
    assert loose.problem(ip("100.64.3.4")) is None
    assert loose.problem(ip("169.254.169.254")) == "a cloud metadata address"
    assert loose.problem(ip("169.254.1.1")) == "a link-local address (never fetched)"
    assert loose.problem(ip("224.0.0.1")) == "a multicast address (never fetched)"
    assert chosen.problem(ip("10.9.4.4")) is None and chosen.problem(ip("10.8.4.4")) == f"a private address {HINT}"


@pytest.fixture
def silent_listener() -> Iterator[tuple[socket.socket, int]]:
    """A socket listening on 127.0.0.1 that never accepts: any connection attempt would queue on it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    try:
        yield sock, sock.getsockname()[1]
    finally:
        sock.close()


def _no_connection(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


@pytest.mark.server
def test_private_address_is_refused_before_any_connection(silent_listener: tuple[socket.socket, int]) -> None:
    sock, port = silent_listener
    with Fetcher(FetchConfig(min_delay=0)) as fetcher:  # the default: public addresses only
        url = f"http://127.0.0.1:{port}/x"
        assert str(_error(fetcher, url)) == f"{url}: refused: 127.0.0.1 is a loopback address {HINT}"
        url = f"http://localhost:{port}/feed.xml"
        assert re.fullmatch(rf"{re.escape(url)}: refused: localhost resolves to (127\.0\.0\.1|::1), a loopback "
                            rf"address {re.escape(HINT)}", str(_error(fetcher, url)))
        url = f"http://2130706433:{port}/"  # 127.0.0.1 written as one number
        expected = f"{url}: refused: 2130706433 resolves to 127.0.0.1, a loopback address {HINT}"
        assert str(_error(fetcher, url)) == expected
        url = f"http://[::ffff:127.0.0.1]:{port}/"
        assert str(_error(fetcher, url)) == f"{url}: refused: ::ffff:127.0.0.1 is a loopback address {HINT}"
        url = "http://169.254.169.254/latest/meta-data/"
        assert str(_error(fetcher, url)) == f"{url}: refused: 169.254.169.254 is a cloud metadata address"
        with pytest.raises(FetchError, match="is a loopback address"):
            fetcher.check_url(f"http://127.0.0.1:{port}/")
    assert _no_connection(sock)


@pytest.fixture
def public_looking() -> Iterator[tuple[Site, str, Site, str]]:
    """A site on 127.0.0.2 (allowed as if public) that redirects to a site on 127.0.0.1 (not allowed)."""
    inner = build_hostile_site()
    outer = Site()
    outer.add("/robots.txt", Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    outer.add("/ok.html", Route(body=inner.routes["/ok.html"].body))
    with serve(inner) as inner_base, serve(outer, host="127.0.0.2") as outer_base:
        outer.add("/go", Route(behaviour="redirect", status=302, location=f"{inner_base}/ok.html"))
        outer.add("/go-localhost", Route(behaviour="redirect", status=301,
                                         location=inner_base.replace("127.0.0.1", "localhost") + "/ok.html"))
        yield outer, outer_base, inner, inner_base


@pytest.mark.server
def test_public_looking_redirect_to_loopback_is_refused(public_looking: tuple[Site, str, Site, str]) -> None:
    outer, outer_base, inner, inner_base = public_looking
    config = FetchConfig(allowed_networks=("127.0.0.2/32",), min_delay=0)
    with Fetcher(config) as fetcher:
        assert fetcher.fetch(outer_base + "/ok.html").status == 200  # the allowed host itself works
        url = outer_base + "/go"
        assert str(_error(fetcher, url)) == (f"{url}: refused: redirected to {inner_base}/ok.html: 127.0.0.1 is a "
                                             f"loopback address {HINT}")
        url = outer_base + "/go-localhost"
        error = _error(fetcher, url)
        assert error.kind == "refused" and "redirected to http://localhost:" in str(error)
    assert inner.requests == []  # nothing reached the loopback site, not even its robots.txt


@pytest.mark.server
def test_connection_goes_to_the_checked_address_with_the_host_name_kept(
        public_looking: tuple[Site, str, Site, str]) -> None:
    outer, outer_base, inner, inner_base = public_looking
    port = int(outer_base.rsplit(":", 1)[1])
    calls: list[str] = []

    def resolver(host: str, port_: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.2"] if host == "news.test" else []

    config = FetchConfig(allowed_networks=("127.0.0.2/32",), min_delay=0)
    with Fetcher(config, resolver=resolver) as fetcher:
        result = fetcher.fetch(f"http://news.test:{port}/ok.html")  # the system cannot resolve news.test
    assert result.status == 200 and b"Night buses" in result.content
    assert {h for h in calls} == {"news.test"}
    hosts = {headers.get("host") for _, path, headers in outer.requests if path == "/ok.html"}
    assert f"news.test:{port}" in hosts


@pytest.mark.server
def test_dns_rebinding_between_check_and_connect_is_refused(public_looking: tuple[Site, str, Site, str]) -> None:
    outer, outer_base, inner, inner_base = public_looking
    port = int(inner_base.rsplit(":", 1)[1])
    answers = iter([["127.0.0.2"]])  # the first answer is allowed; every later one points at loopback

    def rebinding(host: str, port_: int) -> list[str]:
        return next(answers, ["127.0.0.1"])

    config = FetchConfig(allowed_networks=("127.0.0.2/32",), min_delay=0, respect_robots=False)
    with Fetcher(config, resolver=rebinding) as fetcher:
        url = f"http://rebind.test:{port}/ok.html"
        expected = f"{url}: refused: rebind.test resolves to 127.0.0.1, a loopback address {HINT}"
        assert str(_error(fetcher, url)) == expected
    with Fetcher(config, resolver=lambda h, p: ["127.0.0.2", "127.0.0.1"]) as fetcher:  # every address is checked
        url = f"http://mixed.test:{port}/ok.html"
        expected = f"{url}: refused: mixed.test resolves to 127.0.0.1, a loopback address {HINT}"
        assert str(_error(fetcher, url)) == expected
    assert inner.requests == []


# -- conditional GET -------------------------------------------------------------------------------------------

@pytest.mark.server
def test_conditional_get_gives_not_modified(hostile: tuple[Site, str], fetcher: Fetcher) -> None:
    site, base = hostile
    url = base + "/feeds/good.xml"
    first = fetcher.fetch(url)
    assert first.status == 200 and not first.not_modified and first.etag and first.last_modified
    again = fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.status == 304 and again.content == b"" and again.bytes_received == 0
    assert again.etag == first.etag and again.last_modified == first.last_modified
    by_date = fetcher.fetch(url, last_modified=first.last_modified)
    assert by_date.not_modified
    changed = fetcher.fetch(url, etag='"something-else"')
    assert changed.status == 200 and changed.content == first.content
    sent = [h for _, p, h in site.requests if p == "/feeds/good.xml"][-4:]
    assert "if-none-match" not in sent[0] and "if-modified-since" not in sent[0]
    assert sent[1]["if-none-match"] == first.etag and sent[1]["if-modified-since"] == first.last_modified
    assert "if-none-match" not in sent[2] and sent[2]["if-modified-since"] == first.last_modified


@pytest.mark.server
def test_gzip_responses_are_decoded_and_counted(hostile: tuple[Site, str], fetcher: Fetcher) -> None:
    site, base = hostile
    result = fetcher.fetch(base + "/ok.html")
    assert result.content_type == "text/html" and result.charset == "utf-8"
    assert "Night buses extended" in result.text() and OK_PARAGRAPHS[0] in result.text()
    assert 0 < result.bytes_received < len(result.content)  # gzipped on the wire


# -- politeness ------------------------------------------------------------------------------------------------

@pytest.mark.unit
def test_robots_longest_match_and_wildcards() -> None:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse("User-agent: *\nAllow: /\nDisallow: /private\nDisallow: /*?print=\nDisallow: /*.pdf$\n"
                 "Allow: /private/press\n\nUser-agent: news-assistant\nDisallow: /members/\n".splitlines())
    allows = lambda url: robots_allows(parser, "news-assistant", url)
    assert allows("https://x.org/news/a") and not allows("https://x.org/members/feed.xml")
    others = lambda url: robots_allows(parser, "otherbot", url)
    assert not others("https://x.org/private/files") and others("https://x.org/private/press/release")
    assert not others("https://x.org/story?print=yes") and others("https://x.org/story?id=1&print=yes")
    assert not others("https://x.org/a/report.pdf") and others("https://x.org/a/report.pdf.html")


@pytest.mark.server
def test_robots_is_fetched_once_per_host_and_cached(hostile: tuple[Site, str], local_config: FetchConfig) -> None:
    site, base = hostile
    before = site.hits("/robots.txt")
    with Fetcher(local_config) as fetcher:
        for _ in range(3):
            fetcher.fetch(base + "/ok.html")
        assert _error(fetcher, base + "/private/secret.html").kind == "robots"
    assert site.hits("/robots.txt") - before == 1


@pytest.mark.server
def test_minimum_delay_between_requests_to_one_host(hostile: tuple[Site, str]) -> None:
    _, base = hostile
    config = FetchConfig(allow_private=True, min_delay=0.3, respect_robots=False)
    with Fetcher(config) as fetcher:
        started = time.monotonic()
        results = fetcher.fetch_many([base + "/ok.html", base + "/feeds/good.xml", base + "/ok.html?2"])
        elapsed = time.monotonic() - started
    assert all(isinstance(r, FetchResult) for r in results)
    assert elapsed >= 0.6, f"three requests to one host in {elapsed:.2f} s with a 0.3 s delay"


@pytest.mark.server
def test_concurrency_limit_per_host() -> None:
    site = Site()
    site.add("/slow", Route(body=b"<html><body><p>slow</p></body></html>", delay=0.4, conditional=False))
    active = {"now": 0, "max": 0}
    lock = threading.Lock()
    original = site.routes["/slow"]

    def counting(base: str) -> bytes:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.2)
        with lock:
            active["now"] -= 1
        return b"<html><body><p>slow</p></body></html>"

    original.body = counting
    original.delay = 0
    with serve(site) as base:
        for limit, expected_max in ((1, 1), (3, 3)):
            active["max"] = 0
            config = FetchConfig(allow_private=True, min_delay=0, respect_robots=False, max_per_host=limit)
            with Fetcher(config) as fetcher:
                results = fetcher.fetch_many([f"{base}/slow?{i}" for i in range(3)])
            assert all(isinstance(r, FetchResult) for r in results)
            assert active["max"] == expected_max


@pytest.mark.server
def test_user_agent_is_sent(hostile: tuple[Site, str]) -> None:
    site, base = hostile
    config = FetchConfig(allow_private=True, min_delay=0, user_agent="TestBot/2.0 (+https://example.org/bot)")
    before = len(site.requests)
    with Fetcher(config) as fetcher:
        fetcher.fetch(base + "/ok.html?ua")
    agents = [h.get("user-agent") for _, p, h in site.requests[before:] if p in ("/ok.html?ua", "/robots.txt")]
    assert len(agents) == 2
    assert agents and set(agents) == {"TestBot/2.0 (+https://example.org/bot)"}


@pytest.mark.server
def test_unreachable_robots_blocks_the_site_for_a_while() -> None:
    site = Site()
    site.add("/robots.txt", Route(body=b"oops", status=503, conditional=False))
    site.add("/page.html", Route(body=b"<html><body><p>x</p></body></html>"))
    with serve(site) as base:
        with Fetcher(FetchConfig(allow_private=True, min_delay=0, robots_error_ttl=60)) as fetcher:
            error = _error(fetcher, base + "/page.html")
            assert str(error) == (f"{base}/page.html: its robots.txt answered HTTP 503, so the site is treated as "
                                  "disallowing crawling for 60 s")
            _error(fetcher, base + "/page.html")
        assert site.hits("/robots.txt") == 1 and site.hits("/page.html") == 0


# -- TLS with a pinned address -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A CA and a server certificate for news.test, made with the openssl command (skipped without it)."""
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("the openssl command is not installed (needed to make test certificates)")
    folder = tmp_path_factory.mktemp("tls")
    ca_key, ca_crt = folder / "ca.key", folder / "ca.crt"
    key, csr, crt, ext = folder / "server.key", folder / "server.csr", folder / "server.crt", folder / "ext.cnf"
    ext.write_text("subjectAltName=DNS:news.test\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\n")
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "2",
        "-subj", "/CN=Test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=news.test")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial", "-out",
        str(crt), "-days", "2", "-extfile", str(ext))
    return {"ca": str(ca_crt), "key": str(key), "crt": str(crt)}


@pytest.mark.server
def test_tls_checks_the_certificate_against_the_host_name_not_the_pinned_ip(tls_files: dict[str, str]) -> None:
    import ssl

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_files["crt"], tls_files["key"])
    site = build_hostile_site()
    with serve(site, host="127.0.0.2", tls=server_context) as base:
        port = int(base.rsplit(":", 1)[1])
        config = FetchConfig(allowed_networks=("127.0.0.2/32",), min_delay=0, ca_file=tls_files["ca"])
        to_server = lambda host, port_: ["127.0.0.2"]  # noqa: E731 - every name leads to the test server
        with Fetcher(config, resolver=to_server) as fetcher:
            result = fetcher.fetch(f"https://news.test:{port}/ok.html")
            assert result.status == 200 and b"Night buses" in result.content
            url = f"https://other.test:{port}/ok.html"  # same IP, a name the certificate does not cover
            error = _error(fetcher, url)
            assert error.kind == "network" and str(error).startswith(f"{url}: its robots.txt could not be read: TLS "
                                                                    "error (")
            assert "other.test" in str(error) or "hostname" in str(error).lower(), str(error)
        with Fetcher(FetchConfig(allowed_networks=("127.0.0.2/32",), min_delay=0), resolver=to_server) as fetcher:
            error = _error(fetcher, f"https://news.test:{port}/ok.html")  # an unknown CA: refused too
            assert "TLS error (" in str(error) and "certificate verify failed" in str(error)
    hosts = {h.get("host") for _, p, h in site.requests if p == "/ok.html"}
    assert hosts == {f"news.test:{port}"}
