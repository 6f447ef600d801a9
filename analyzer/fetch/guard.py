"""SSRF guard: decide whether a URL may be fetched, and pin the address it will be fetched from.

The URL is user input and the tool may run inside a service, so before any byte is sent we
  1. allow only http/https, no credentials in the URL, no IPv6 zone ids;
  2. refuse `localhost`-style names outright;
  3. resolve the host ONCE and refuse if ANY address is not public (private, loopback, link-local incl.
     169.254.169.254, CGNAT, multicast, reserved, unspecified, and IPv4 embedded in IPv6);
  4. hand back the validated address, which the HTTP client connects to (the name is kept for the Host
     header and TLS SNI), so a second DNS answer cannot swap in a private address (DNS rebinding).
Every redirect hop goes through `pin_url` again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
import re
from urllib.parse import unquote, urlsplit

from analyzer.errors import BlockedURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

ALLOWED_SCHEMES = ("http", "https")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
# Not public, though Python's is_global (3.11) says they are.
_EXTRA_BLOCKED = (
    (ipaddress.ip_network("fec0::/10"), "a site-local IPv6 address (fec0::/10, deprecated but still routed inside networks)"),
    (ipaddress.ip_network("192.0.0.0/24"), "an IETF protocol assignment (192.0.0.0/24), not a public host"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "a local-use NAT64 address (64:ff9b:1::/48)"),
)
_PRIVATE_HINT = "pass --allow-private (Python: allow_private=True) only if you mean to fetch from a private network"


@dataclass(frozen=True)
class PinnedURL:
    """A URL that passed the guard, with the address the client must connect to."""

    url: str
    scheme: str
    host: str  # the name as written (lower-case, no brackets): Host header and SNI
    port: int
    address: str  # the validated IP address to connect to first
    netloc: str  # host[:port] as it goes in the Host header
    addresses: tuple[str, ...] = ()  # every validated address, tried in order when a connect fails


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the OS resolver returns for host (A and AAAA)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address is not a public unicast address, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = blocked_reason(embedded)
            if inner:
                return f"an IPv6 form of {embedded}, {inner}"
            if address.teredo is not None:
                # A Teredo address is a tunnel endpoint (2001::/32), not a host of its own: whatever the
                # embedded client address, it is not a public unicast destination.
                return "a Teredo tunnel address (2001::/32)"
            return None
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address (this includes cloud metadata services)"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private-network address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    for network, reason in _EXTRA_BLOCKED:
        if address.version == network.version and address in network:
            return reason
    if isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("100.64.0.0/10"):
        return "a carrier-grade NAT (100.64/10) address"
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_numeric_host(host: str) -> IPAddress | None:
    """An IP literal in any form a resolver accepts: dotted, IPv6, and legacy forms like 2130706433, 0x7f.1, 0177.0.0.1."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(part and (part.isdigit() or part.lower().startswith("0x")) for part in host.split(".")):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_path_segments(url: str) -> None:
    """Refuse a URL whose path has '.' or '..' segments (also percent-encoded) or backslashes.

    A client normalises them away, so "/org/model/blob/main/../../../../api/whoami-v2" would reach another
    API path of the same host, with the token meant for the repository.
    """
    path = urlsplit(url.strip()).path
    for raw in path.split("/"):
        segment = raw
        for _ in range(3):  # %252e%252e decodes twice
            decoded = unquote(segment)
            if decoded == segment:
                break
            segment = decoded
        if segment in (".", "..") or "\\" in segment or "/" in segment:
            raise BlockedURLError(
                f"{escape_url(url)}: the path has a '{segment}' segment that would leave the page it names",
                hint="pass the page's own URL, without '.', '..' or encoded slashes in the path",
            )


def escape_url(url: str) -> str:
    """The URL for an error message: control characters shown as %XX, never raw CR/LF."""
    return _CONTROL.sub(lambda m: f"%{ord(m.group(0)):02X}", url.strip())


def check_scheme(url: str) -> None:
    """Refuse anything but http(s) and URLs with control characters before we even look at the host."""
    if _CONTROL.search(url.strip()):
        raise BlockedURLError(f"{escape_url(url)}: the URL contains control characters (CR, LF, tab or NUL)", hint="remove them; copy the URL again from the address bar")
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise BlockedURLError(f"{url}: {shown} URLs are not fetched (only http and https)", hint="pass an http(s) URL, or a local file path")


def pin_url(
    url: str,
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
    allowed_hosts: Iterable[str] = (),
) -> PinnedURL:
    """Validate a URL and resolve its host once; raise BlockedURLError when policy refuses it.

    `allowed_hosts` are names exempt from the private-address rule (an internal mirror), unlike
    `allow_private` which lifts it for every host including redirect targets.
    """
    check_scheme(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise BlockedURLError(f"{url}: not a valid URL ({exc})", hint="check the URL") from None
    scheme = parts.scheme.lower()
    if parts.username is not None or parts.password is not None:
        raise BlockedURLError(f"{url}: URLs with a user name or password are not fetched", hint="remove the credentials from the URL")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise BlockedURLError(f"{url}: the URL has no host", hint="pass a full URL such as https://huggingface.co/ORG/MODEL")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise BlockedURLError(f"{url}: '{host}' is not a valid host name", hint="check the URL") from None
    if "%" in host:
        raise BlockedURLError(f"{url}: IPv6 zone identifiers are not allowed", hint="use a public host name")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    exempt = allow_private or host in {h.lower().rstrip(".") for h in allowed_hosts}

    if not exempt and (host in _LOCAL_NAMES or host.endswith(".localhost")):
        raise BlockedURLError(f"{url}: refused: '{host}' is this machine (loopback)", hint=_PRIVATE_HINT)
    literal = parse_numeric_host(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            resolved = (resolver or system_resolver)(host, port)
        except (OSError, UnicodeError) as exc:
            from analyzer.errors import FetchError

            raise FetchError(f"{url}: cannot resolve host '{host}' ({exc})", hint="check the host name and your network connection") from None
        addresses = []
        for raw in resolved:
            try:
                addresses.append(ipaddress.ip_address(raw.split("%", 1)[0]))
            except ValueError:
                raise BlockedURLError(f"{url}: the resolver returned a non-IP answer {raw!r}", hint="check your DNS configuration") from None
        if not addresses:
            from analyzer.errors import FetchError

            raise FetchError(f"{url}: host '{host}' has no addresses", hint="check the host name")
    if not exempt:
        for address in addresses:
            reason = blocked_reason(address)
            if reason:
                shown = host if str(address) == host else f"{host} ({address})"
                raise BlockedURLError(f"{url}: refused: {shown} is {reason}", hint=_PRIVATE_HINT)
    return PinnedURL(
        url=url.strip(), scheme=scheme, host=host, port=port, address=str(addresses[0]), netloc=netloc, addresses=tuple(str(a) for a in addresses)
    )
