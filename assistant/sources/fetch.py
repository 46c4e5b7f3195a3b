"""A safe HTTP fetcher for feeds and article pages fetched on behalf of users.

It must not become a proxy into private networks, nor be taken down by a hostile server:

- **Addresses.** Every address a host name resolves to is checked (all of them), at connect time, for every
  connection, so also for every redirect hop; the connection is then made to the checked IP itself (the host name
  stays in the Host header and in TLS SNI/certificate checks), so a DNS answer that changes between check and connect
  (DNS rebinding) cannot reach another address. Refused by default: loopback, private (RFC 1918, ULA), carrier-grade
  NAT (100.64/10), link-local, multicast, unspecified, reserved and other non-global addresses, and the cloud metadata
  addresses (169.254.169.254, fd00:ec2::254, ...). IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4, Teredo) are
  checked as IPv4. ``FetchConfig.allow_private`` (ASSISTANT_FETCH_ALLOW_PRIVATE=true) allows loopback, private and
  CGNAT addresses; ``allowed_networks`` allows chosen networks only. Metadata, link-local, multicast, unspecified and
  reserved addresses are never fetched.
- **Limits.** Connect/read timeouts and a total time limit; a body limit counted while streaming, on the wire and
  after decompression (gzip/deflate are decoded here in bounded steps, so a gzip bomb stops at the limit); bounded
  redirects with loop detection; http/https only; no credentials in URLs; no cookies kept between requests; proxies
  from the environment are ignored.
- **Content.** HTML, XML (RSS, Atom, RDF, sitemaps, also gzipped sitemaps) and JSON are accepted; anything else (a
  PDF, an image) is refused from its Content-Type before the body is read, and from its first bytes when the type lies.
- **Politeness.** robots.txt (RFC 9309: longest match wins, ``*`` and ``$`` wildcards, 4xx = no rules, unreachable =
  disallow everything for ``robots_error_ttl``) is fetched through the same safe path and cached per origin; a minimum
  delay between request starts to one host (and robots.txt's Crawl-delay, capped), a concurrency limit per host.
- **Conditional GET.** ``fetch(url, etag=..., last_modified=...)`` sends If-None-Match / If-Modified-Since; a 304
  gives a result with ``not_modified=True``.

Every refusal or failure raises :class:`FetchError` whose message names the URL and says why in plain words.

How pinning works: ``httpx.HTTPTransport``'s connection pool is replaced by an ``httpcore.ConnectionPool`` with a
network backend of our own (``_PinningBackend``); its ``connect_tcp`` resolves the host once, checks every address and
connects to the checked IP. httpcore keeps using the URL's host name for SNI and certificate verification.
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import re
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

ALLOW_PRIVATE_HINT = "set ASSISTANT_FETCH_ALLOW_PRIVATE=true to allow"

# Media types a feed, sitemap or article page comes as. Any other "+xml" or "+json" type is accepted too.
ACCEPTED_TYPES: tuple[str, ...] = (
    "text/html", "application/xhtml+xml", "application/xml", "text/xml", "application/rss+xml",
    "application/atom+xml", "application/rdf+xml", "application/json", "application/feed+json",
    "application/ld+json", "text/plain",
)
# Gzipped documents (sitemap.xml.gz): decompressed here, within the same limit, then checked as text.
_GZIP_TYPES = ("application/gzip", "application/x-gzip", "application/gzip-compressed", "application/x-gunzip")
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchConfig:
    """Every limit of the fetcher (the project maps these to its Settings)."""

    allow_private: bool = False  # ASSISTANT_FETCH_ALLOW_PRIVATE: loopback, private and CGNAT addresses allowed
    allowed_networks: tuple[str, ...] = ()  # CIDRs allowed even when not public, e.g. ("10.1.2.0/24",)
    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # the longest wait for any one read
    total_timeout: float = 30.0  # the whole fetch, redirects, robots.txt and politeness waits included
    max_bytes: int = 10_000_000  # body limit, on the wire and after decompression
    max_redirects: int = 5
    user_agent: str = "news-assistant/0.1 (grounded news reader)"
    respect_robots: bool = True
    robots_ttl: float = 3600.0  # how long a robots.txt is cached per origin
    robots_error_ttl: float = 300.0  # how long an unreachable robots.txt (5xx, timeout) blocks its origin
    min_delay: float = 1.0  # seconds between request starts to one host
    max_crawl_delay: float = 30.0  # robots.txt Crawl-delay is honoured up to this
    max_per_host: int = 2  # concurrent requests to one host
    max_workers: int = 8  # threads of fetch_many
    accepted_types: tuple[str, ...] = ACCEPTED_TYPES
    verify_tls: bool = True
    ca_file: str | None = None  # a CA bundle of one's own (else certifi's, as httpx does)


class FetchError(Exception):
    """A URL that was refused or could not be fetched. ``str(error)`` is ``"<url>: <reason>"``.

    ``kind`` is one of: refused (address or URL not allowed), robots, too_large, timeout, redirects, content_type,
    http (an error status; see ``status``), network, decode.
    """

    def __init__(self, url: str, reason: str, kind: str = "network", status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    """One successful fetch. ``not_modified`` is True on a 304 (then ``content`` is empty).

    ``content`` is the decoded body (Content-Encoding removed); ``bytes_received`` counts the body bytes on the wire.
    ``etag`` and ``last_modified`` are the validators to send next time (the given ones are kept on a 304 that
    does not repeat them).
    """

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    redirects: tuple[str, ...] = ()
    bytes_received: int = 0
    elapsed: float = 0.0
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def text(self) -> str:
        """Return the body decoded with its declared charset (UTF-8 when none or unknown, bad bytes replaced)."""
        for charset in (self.charset, "utf-8"):
            if charset:
                try:
                    return self.content.decode(charset, errors="replace")
                except LookupError:
                    continue
        return self.content.decode("utf-8", errors="replace")


# -- addresses ---------------------------------------------------------------------------------------------------

_METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean ...
    "169.254.170.2",  # AWS ECS task metadata
    "fd00:ec2::254",  # AWS IPv6
    "100.100.100.200",  # Alibaba Cloud
))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_ALLOWABLE = ("a loopback address", "a private address", "a shared (carrier-grade NAT) address")


def address_problem(ip: Address) -> str | None:
    """Return why ``ip`` is not a public address ("a loopback address", ...), or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.sixtofour is not None:
            embedded = ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is not None:
            problem = address_problem(embedded)
            if problem:
                return problem
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "not a public address"
    return None


class _Refused(Exception):
    """Raised inside the transport (before connecting); turned into a FetchError naming the URL."""

    def __init__(self, reason: str, kind: str = "refused") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def system_resolver(host: str, port: int) -> list[str]:
    """Return the addresses ``host`` resolves to (IPv4 and IPv6, system order). Raises OSError when it does not."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


class AddressPolicy:
    """Which addresses may be connected to, and the resolving that goes with it."""

    def __init__(self, config: FetchConfig, resolver: Resolver | None = None) -> None:
        self.allow_private = config.allow_private
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in config.allowed_networks)
        self.resolver = resolver or system_resolver

    def problem(self, ip: Address) -> str | None:
        """Return why ``ip`` may not be connected to under this policy, or None when it may."""
        problem = address_problem(ip)
        if problem is None or problem == "a cloud metadata address":
            return problem
        if any(ip.version == n.version and ip in n for n in self.networks):
            return None
        if self.allow_private and problem in _ALLOWABLE:
            return None
        hint = ALLOW_PRIVATE_HINT if problem in _ALLOWABLE else "never fetched"
        return f"{problem} ({hint})"

    def resolve(self, host: str, port: int) -> list[str]:
        """Return every address of ``host``, all checked. Raises _Refused when one is not allowed or none exists."""
        host = host.strip("[]")
        literal = _ip_or_none(host)
        if literal is not None:
            problem = self.problem(literal)
            if problem:
                raise _Refused(f"refused: {host} is {problem}")
            return [host]
        try:
            addresses = list(self.resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise _Refused(f"could not resolve host {host} ({_os_reason(exc)})", kind="network") from None
        if not addresses:
            raise _Refused(f"could not resolve host {host}", kind="network")
        for text in addresses:
            ip = _ip_or_none(text)
            if ip is None:
                raise _Refused(f"refused: {host} resolves to {text!r}, which is not an IP address")
            problem = self.problem(ip)
            if problem:
                raise _Refused(f"refused: {host} resolves to {ip}, {problem}")
        return addresses


def _ip_or_none(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _os_reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return re.sub(r"^\[Errno -?\d+\]\s*", "", str(text)).strip().lower()


class _PinningBackend(httpcore.NetworkBackend):
    """httpcore network backend that resolves once, checks every address and connects to the checked IP."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[object] | None = None) -> httpcore.NetworkStream:
        addresses = self._policy.resolve(host, port)
        error: Exception | None = None
        for ip in addresses:  # every one of them is allowed; take the first that answers
            try:
                return self._inner.connect_tcp(ip, port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)  # type: ignore[arg-type]
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[object] | None = None) -> httpcore.NetworkStream:
        raise _Refused("refused: unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _ssl_context(config: FetchConfig) -> ssl.SSLContext:
    if not config.verify_tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if config.ca_file:
        return ssl.create_default_context(cafile=config.ca_file)
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover
        return ssl.create_default_context()


def _make_transport(config: FetchConfig, policy: AddressPolicy) -> httpx.HTTPTransport:
    """Return an httpx transport whose connections all go through the pinning backend."""
    context = _ssl_context(config)
    transport = httpx.HTTPTransport(verify=context, retries=0, trust_env=False)
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):  # pragma: no cover
        raise RuntimeError("httpx.HTTPTransport no longer keeps an httpcore.ConnectionPool in _pool")
    transport._pool = httpcore.ConnectionPool(
        ssl_context=context, max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,
        network_backend=_PinningBackend(policy),
    )
    return transport


# -- bounded decoding --------------------------------------------------------------------------------------------

class _BoundedDecoder:
    """Removes a gzip/deflate encoding in steps of at most 64 KiB of output (never a whole bomb in memory)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._d = self._new()
        self._started = False

    def _new(self, raw_deflate: bool = False):
        if self.encoding == "identity":
            return None
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield the decoded pieces of ``data``. Raises zlib.error when the data is corrupt."""
        if self._d is None:
            if data:
                yield data
            return
        while True:
            try:
                out = self._d.decompress(data, _CHUNK)
            except zlib.error:
                if self.encoding == "deflate" and not self._started:  # "deflate" sent without its zlib header
                    self._d = self._new(raw_deflate=True)
                    self._started = True
                    continue
                raise
            self._started = True
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if rest and self.encoding == "gzip" and rest[:2] == b"\x1f\x8b":  # concatenated gzip members
                    self._d = self._new()
                    data = rest
                    continue
                return
            data = self._d.unconsumed_tail
            if not data and len(out) < _CHUNK:
                return

    def flush(self) -> bytes:
        """Return what is left in the decoder (bounded by its last step)."""
        if self._d is None or self._d.eof:
            return b""
        return self._d.flush(_CHUNK)


_MAGIC = (
    (b"%PDF", "application/pdf"), (b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"), (b"\x1f\x8b", "application/gzip"), (b"RIFF", "a RIFF file (image/audio)"),
    (b"\x00\x00\x01\x00", "image/x-icon"), (b"OggS", "audio/ogg"), (b"ID3", "audio/mpeg"), (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)


def _sniff_binary(head: bytes) -> str | None:
    """Return the type of a binary file ``head`` starts with, or None when it can be text."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[4:12] in (b"ftypisom", b"ftypmp42", b"ftypavif", b"ftypheic") or head[4:8] == b"ftyp":
        return "a video or image file"
    if b"\x00" in head[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return None


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g} MB"
    if n >= 1000 and n % 100 == 0:
        return f"{n / 1000:g} kB"
    return f"{n:,} bytes"


def _secs(value: float) -> str:
    return f"{value:g} s" if value >= 1 else f"{value:.2g} s"


# -- politeness --------------------------------------------------------------------------------------------------

class _HostGate:
    """A host's concurrency limit and the earliest time its next request may start."""

    def __init__(self, limit: int) -> None:
        self.semaphore = threading.BoundedSemaphore(max(1, limit))
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.delay: float | None = None  # the robots.txt Crawl-delay, once known


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None with allow_all / disallow_all
    allow_all: bool
    expires: float
    note: str = ""  # why everything is disallowed


def _rule_regex(path: str) -> re.Pattern[str]:
    """Return a regex for a robots.txt path (already percent-quoted by robotparser): * any, trailing $ = the end."""
    anchored = path.endswith("%24")
    if anchored:
        path = path[:-3]
    pattern = ".*".join(re.escape(part) for part in path.split("%2A"))
    return re.compile(pattern + ("$" if anchored else ""))


def robots_allows(parser: urllib.robotparser.RobotFileParser, agent: str, url: str) -> bool:
    """Return whether ``agent`` may fetch ``url`` under ``parser``'s rules, the most specific (longest) rule winning.

    The standard library's ``can_fetch`` takes the first rule that matches and has no wildcards; RFC 9309 wants the
    longest match (Allow wins ties) and ``*``/``$``. Falls back to ``can_fetch`` if robotparser's internals change.
    """
    try:
        entries = list(parser.entries)
        default = parser.default_entry
        parts = urlsplit(urllib.parse.unquote(url))
        target = urllib.parse.quote(urlunsplit(("", "", parts.path or "/", parts.query, "")))
        entry = next((e for e in entries if e.applies_to(agent)), default)
        if entry is None:
            return True
        best: tuple[int, bool] | None = None
        for line in entry.rulelines:
            path = line.path
            if path != "*" and not _rule_regex(path).match(target):
                continue
            rank = (len(path), bool(line.allowance))
            if best is None or rank > best:
                best = rank
        return True if best is None else best[1]
    except AttributeError:  # pragma: no cover
        return parser.can_fetch(agent, url)


# -- the fetcher -------------------------------------------------------------------------------------------------

class Fetcher:
    """Fetches URLs under a :class:`FetchConfig`. Thread-safe; use one per process (it keeps connections, robots.txt
    and per-host timing). ``resolver`` replaces DNS (tests; a resolver of one's own)."""

    def __init__(self, config: FetchConfig | None = None, *, resolver: Resolver | None = None) -> None:
        self.config = config or FetchConfig()
        self.policy = AddressPolicy(self.config, resolver)
        jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._client = httpx.Client(transport=_make_transport(self.config, self.policy), follow_redirects=False,
                                    trust_env=False, cookies=jar, headers={"User-Agent": self.config.user_agent})
        self._agent = self.config.user_agent.split("/")[0].split()[0] or "*"
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, _Robots] = {}
        self._robot_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    # public API
    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """Return the document at ``url`` (or a not-modified result when the validators still hold).

        Raises FetchError naming ``url`` on any refusal or failure.
        """
        return self._fetch(url, etag=etag, last_modified=last_modified, robots=self.config.respect_robots,
                           check_type=True, deadline=time.monotonic() + self.config.total_timeout)

    def fetch_many(self, urls: Sequence[str], validators: Mapping[str, tuple[str | None, str | None]] | None = None
                   ) -> list[FetchResult | FetchError]:
        """Return, in the order of ``urls``, each one's FetchResult or the FetchError it failed with (never raises
        for one URL). ``validators`` maps a URL to its previous (etag, last_modified)."""
        validators = validators or {}

        def one(url: str) -> FetchResult | FetchError:
            etag, modified = validators.get(url, (None, None))
            try:
                return self.fetch(url, etag=etag, last_modified=modified)
            except FetchError as exc:
                return exc

        if len(urls) <= 1:
            return [one(u) for u in urls]
        with ThreadPoolExecutor(max_workers=max(1, min(self.config.max_workers, len(urls)))) as pool:
            return list(pool.map(one, urls))

    def check_url(self, url: str) -> None:
        """Resolve ``url``'s host and check its scheme and addresses without connecting. Raises FetchError."""
        parts = self._check_url(url, url)
        try:
            self.policy.resolve(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        except _Refused as exc:
            raise FetchError(url, exc.reason, exc.kind) from None

    def robots_sitemaps(self, url: str) -> list[str]:
        """Return the Sitemap: URLs named in the robots.txt of ``url``'s site (empty when none or unreadable)."""
        try:
            robots = self._robots_for(url, time.monotonic() + self.config.total_timeout)
        except FetchError:
            return []
        return list(robots.parser.site_maps() or []) if robots.parser else []

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # internals
    def _check_url(self, url: str, asked: str):
        try:
            parts = urlsplit(url)
            _ = parts.port
        except ValueError as exc:
            raise FetchError(asked, f"not a valid URL ({exc})", "refused") from None
        if parts.scheme.lower() not in ("http", "https"):
            shown = parts.scheme or "no scheme"
            raise FetchError(asked, f"refused: only http and https URLs are fetched, not {shown}", "refused")
        if not parts.hostname:
            raise FetchError(asked, "not a valid URL (no host)", "refused")
        if parts.username is not None or parts.password is not None:
            raise FetchError(asked, "refused: URLs with a user name or password are not fetched", "refused")
        return parts

    def _gate(self, host: str) -> _HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate(self.config.max_per_host)
            return gate

    def _enter_gate(self, gate: _HostGate, asked: str, deadline: float) -> None:
        if not gate.semaphore.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise FetchError(asked, f"took longer than the total limit of {_secs(self.config.total_timeout)} "
                                    "(waiting for other requests to the same host)", "timeout")
        delay = self.config.min_delay if gate.delay is None else gate.delay
        with gate.lock:
            now = time.monotonic()
            start = max(now, gate.next_start)
            gate.next_start = start + delay
        if start > deadline:
            gate.semaphore.release()
            raise FetchError(asked, f"took longer than the total limit of {_secs(self.config.total_timeout)} "
                                    "(waiting for the delay between requests to the same host)", "timeout")
        if start > now:
            time.sleep(start - now)

    def _robots_for(self, url: str, deadline: float, asked: str | None = None, hop: str = "") -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._lock:
            lock = self._robot_locks.setdefault(origin, threading.Lock())
        with lock:  # one robots.txt fetch per origin at a time
            cached = self._robots.get(origin)
            if cached is not None and cached.expires > time.monotonic():
                return cached
            robots = self._load_robots(origin, asked or url, hop, deadline)
            self._robots[origin] = robots
            if robots.parser is not None:
                crawl_delay = robots.parser.crawl_delay(self._agent)
                if crawl_delay is not None:
                    gate = self._gate(parts.netloc.lower())
                    gate.delay = max(self.config.min_delay, min(float(crawl_delay), self.config.max_crawl_delay))
            return robots

    def _load_robots(self, origin: str, asked: str, hop: str, deadline: float) -> _Robots:
        now = time.monotonic()
        try:
            result = self._fetch(f"{origin}/robots.txt", robots=False, check_type=False, deadline=deadline)
        except FetchError as exc:
            if exc.kind == "refused":  # the site itself is refused: say so for the page asked for
                raise FetchError(asked, _with_hop(exc.reason, hop), "refused") from None
            if exc.kind == "http" and exc.status is not None and 400 <= exc.status < 500:
                return _Robots(None, True, now + self.config.robots_ttl)  # RFC 9309: 4xx = no rules
            if exc.kind == "http":  # RFC 9309: unreachable (5xx) = disallow everything, for a while
                note = (f"its robots.txt answered HTTP {exc.status}, so the site is treated as disallowing crawling "
                        f"for {_secs(self.config.robots_error_ttl)}")
                return _Robots(None, False, now + self.config.robots_error_ttl, note)
            raise FetchError(asked, f"{hop}its robots.txt could not be read: {exc.reason}", exc.kind) from None
        parser = urllib.robotparser.RobotFileParser(f"{origin}/robots.txt")
        parser.parse(result.text().splitlines())
        return _Robots(parser, False, now + self.config.robots_ttl)

    def _fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None, robots: bool,
               check_type: bool, deadline: float) -> FetchResult:
        started = time.monotonic()
        config = self.config
        asked = url
        current = url
        visited = [url]
        headers = {
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                      "application/xml;q=0.9,text/xml;q=0.9,application/json;q=0.8,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        while True:
            parts = self._check_url(current, asked)
            hop = "" if current == asked else f"redirected to {current}: "
            try:  # refuse early (no robots.txt, no politeness wait); the connection itself is checked again
                self.policy.resolve(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
            except _Refused as exc:
                raise FetchError(asked, _with_hop(exc.reason, hop), exc.kind) from None
            if robots:
                rules = self._robots_for(current, deadline, asked, hop)
                if not rules.allow_all and (rules.parser is None or not robots_allows(rules.parser, self._agent,
                                                                                      current)):
                    why = rules.note or f"disallowed by the site's robots.txt for {self._agent}"
                    raise FetchError(asked, f"{hop}{why}", "robots")
            gate = self._gate(parts.netloc.lower())
            self._enter_gate(gate, asked, deadline)
            try:
                response, read_limit = self._send(current, headers, asked, hop, deadline)
                try:
                    if response.status_code in _REDIRECTS and response.headers.get("location"):
                        target = urljoin(current, response.headers["location"].strip())
                        target = urlunsplit(urlsplit(target)._replace(fragment=""))
                        if target in visited:
                            chain = " → ".join(visited[visited.index(target):] + [target])
                            raise FetchError(asked, f"redirect loop ({chain})", "redirects")
                        if len(visited) > config.max_redirects:
                            raise FetchError(asked, f"too many redirects ({len(visited)})", "redirects")
                        visited.append(target)
                        current = target
                        continue
                    return self._finish(response, asked, current, visited, etag, last_modified, check_type,
                                        deadline, read_limit, started, hop)
                finally:
                    response.close()
            finally:
                gate.semaphore.release()

    def _send(self, url: str, headers: dict[str, str], asked: str, hop: str, deadline: float
              ) -> tuple[httpx.Response, float]:
        config = self.config
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(asked, f"took longer than the total limit of {_secs(config.total_timeout)}", "timeout")
        connect = min(config.connect_timeout, remaining)
        read = min(config.read_timeout, remaining)
        try:
            timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
            request = self._client.build_request("GET", url, headers=headers, timeout=timeout)
            return self._client.send(request, stream=True), read
        except _Refused as exc:
            raise FetchError(asked, _with_hop(exc.reason, hop), exc.kind) from None
        except httpx.ConnectTimeout:
            raise FetchError(asked, f"{hop}could not connect within {_secs(connect)}", "timeout") from None
        except httpx.TimeoutException:
            raise FetchError(asked, self._timeout_reason(hop, read), "timeout") from None
        except httpx.HTTPError as exc:
            raise FetchError(asked, f"{hop}{_network_reason(exc)}", "network") from None
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(asked, f"{hop}network error ({_os_reason(exc)})", "network") from None

    def _timeout_reason(self, hop: str, read: float) -> str:
        if read < self.config.read_timeout:
            return f"{hop}took longer than the total limit of {_secs(self.config.total_timeout)}"
        return f"{hop}timed out after {_secs(read)} (the server stopped answering)"

    def _finish(self, response: httpx.Response, asked: str, current: str, visited: list[str], etag: str | None,
                last_modified: str | None, check_type: bool, deadline: float, read: float, started: float,
                hop: str) -> FetchResult:
        config = self.config
        status = response.status_code
        new_etag = response.headers.get("etag") or None
        new_modified = response.headers.get("last-modified") or None
        if status == 304:
            return FetchResult(asked, current, status, b"", None, None, new_etag or etag, new_modified or last_modified,
                               not_modified=True, redirects=tuple(visited[1:]), elapsed=time.monotonic() - started)
        if status >= 400 or status in _REDIRECTS or status < 200:
            phrase = response.reason_phrase or ""
            what = "a redirect without a Location" if status in _REDIRECTS else f"HTTP {status} {phrase}".strip()
            raise FetchError(asked, f"{hop}the server answered {what}", "http", status)
        media, charset = _content_type(response.headers.get("content-type"))
        encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
        encoding = {"x-gzip": "gzip", "": "identity", "none": "identity"}.get(encoding, encoding)
        if encoding not in ("identity", "gzip", "deflate"):
            raise FetchError(asked, f"{hop}the response uses an unsupported content encoding ({encoding})", "decode")
        gzipped_file = media in _GZIP_TYPES
        if check_type and media and not gzipped_file and not _accepted(media, config.accepted_types):
            raise FetchError(asked, f"{hop}not an HTML page or feed ({media})", "content_type")
        declared = response.headers.get("content-length")
        if declared and declared.strip().isdigit() and int(declared) > config.max_bytes:
            raise FetchError(asked, f"{hop}the response is larger than {_size(config.max_bytes)}", "too_large")
        content, received = self._read_body(response, asked, hop, encoding, gzipped_file, deadline, read)
        if gzipped_file:
            media = None  # the type of what was inside: sniffed below
        binary = _sniff_binary(content[:2048])
        if binary and check_type:
            raise FetchError(asked, f"{hop}not an HTML page or feed ({binary})", "content_type")
        if media is None:
            media = _sniff_text_type(content[:2048])
        return FetchResult(asked, current, status, content, media, charset, new_etag, new_modified,
                           redirects=tuple(visited[1:]), bytes_received=received, elapsed=time.monotonic() - started)

    def _read_body(self, response: httpx.Response, asked: str, hop: str, encoding: str, gzipped_file: bool,
                   deadline: float, read: float) -> tuple[bytes, int]:
        limit = self.config.max_bytes
        layers = [_BoundedDecoder(encoding)]
        if gzipped_file:
            layers.append(_BoundedDecoder("gzip"))
        compressed = encoding != "identity" or gzipped_file
        pieces: list[bytes] = []
        received = 0
        size = 0

        def run(data: bytes, depth: int = 0) -> Iterator[bytes]:
            if depth == len(layers):
                yield data
                return
            for piece in layers[depth].feed(data):
                yield from run(piece, depth + 1)

        def take(piece: bytes) -> None:
            nonlocal size
            size += len(piece)
            if size > limit:
                once = " once decompressed" if compressed else ""
                raise FetchError(asked, f"{hop}the response is larger than {_size(limit)}{once}", "too_large")
            pieces.append(piece)

        try:
            for chunk in response.iter_raw(_CHUNK):
                received += len(chunk)
                if received > limit:
                    raise FetchError(asked, f"{hop}the response is larger than {_size(limit)}", "too_large")
                for piece in run(chunk):
                    take(piece)
                if time.monotonic() > deadline:
                    raise FetchError(asked, f"{hop}took longer than the total limit of "
                                            f"{_secs(self.config.total_timeout)}", "timeout")
            for depth, layer in enumerate(layers):
                tail = layer.flush()
                if tail:
                    for piece in run(tail, depth + 1):
                        take(piece)
        except zlib.error:
            raise FetchError(asked, f"{hop}the compressed body is corrupt", "decode") from None
        except httpx.TimeoutException:
            raise FetchError(asked, self._timeout_reason(hop, read), "timeout") from None
        except httpx.HTTPError as exc:
            raise FetchError(asked, f"{hop}{_network_reason(exc)}", "network") from None
        return b"".join(pieces), received


def _with_hop(reason: str, hop: str) -> str:
    """Return ``reason`` with the redirect hop it happened on ("refused: redirected to X: ...")."""
    if hop and reason.startswith("refused: "):
        return f"refused: {hop}{reason[len('refused: '):]}"
    return f"{hop}{reason}"


def _content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    message = Message()
    message["content-type"] = value
    media = message.get_content_type().lower() if "/" in value.split(";")[0] else None
    charset = message.get_param("charset")
    return media, (str(charset).strip().strip('"').lower() if charset else None)


def _accepted(media: str, accepted: tuple[str, ...]) -> bool:
    return media in accepted or media.endswith(("+xml", "+json"))


def _sniff_text_type(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:1024]:
        return "text/html"
    if text.startswith(b"<"):
        return "application/xml"
    if text.startswith((b"{", b"[")):
        return "application/json"
    return None


def _network_reason(exc: httpx.HTTPError) -> str:
    text = _os_reason(exc) if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        if "certificate" in text or "ssl" in text or "tls" in text:
            return f"TLS error ({text})"
        return f"could not connect ({text})"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        return f"the server broke the HTTP protocol ({text})"
    if isinstance(exc, httpx.ReadError):
        return f"the connection failed while reading ({text})"
    return f"network error ({text})"
