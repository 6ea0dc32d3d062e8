"""Sensors and stand-ins for the security suites: a resolver override, a dial tap, a canary.

- `FakeDNS` answers name lookups in this process from a table (numeric hosts resolve as the C
  library does, with no lookup): names that resolve to private addresses, and DNS rebinding
  (a name whose answers change from one lookup to the next), without a real DNS server.
- `DialTap` is an audit hook that sees every `socket.connect` of the process. While armed it
  records each one and refuses any to a non-loopback address, so a test can never send a packet
  off this machine even if the guard had a hole; a refused dial is still counted as a breach.
- `Canary` is a real TCP listener on 127.0.0.1 and [::1] that counts the connections it accepts:
  a vector aimed at it that connects is a breach the listener itself saw.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

Answers = Sequence[str] | Callable[[], Sequence[str]]
_real_getaddrinfo = socket.getaddrinfo


def rebinding(*answers: Sequence[str]) -> Callable[[], Sequence[str]]:
    """Answers that change per lookup: the first lookup gets answers[0], ...; the last repeats."""
    calls = [0]

    def next_answer() -> Sequence[str]:
        index = min(calls[0], len(answers) - 1)
        calls[0] += 1
        return answers[index]

    return next_answer


@dataclass
class FakeDNS:
    """A name table for socket.getaddrinfo; unknown names fail as NXDOMAIN, never go to DNS."""

    table: dict[str, Answers] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def getaddrinfo(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[Any]:
        """socket.getaddrinfo with the table in front of it."""
        name = host.decode() if isinstance(host, bytes) else str(host)
        with contextlib.suppress(socket.gaierror):
            return _real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        self.lookups.append(name)
        entry = self.table.get(name.lower().rstrip("."))
        if entry is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = entry() if callable(entry) else entry
        infos: list[Any] = []
        for address in answers:
            infos += _real_getaddrinfo(
                address, port, family, type, proto, flags | socket.AI_NUMERICHOST
            )
        return infos


@dataclass(frozen=True)
class Dial:
    """One socket.connect the process attempted."""

    host: str
    port: int

    @property
    def loopback(self) -> bool:
        """True for 127.0.0.0/8, ::1 and ::ffff:127.x (the only addresses a test may reach)."""
        ip = ipaddress.ip_address(self.host.split("%")[0])
        mapped = getattr(ip, "ipv4_mapped", None)
        return ip.is_loopback or bool(mapped and mapped.is_loopback)


class DialTap:
    """Records every socket.connect while armed; refuses those that would leave loopback."""

    _installed: DialTap | None = None

    def __init__(self) -> None:
        self.dials: list[Dial] = []
        self.armed = False
        self._lock = threading.Lock()

    @classmethod
    def get(cls) -> DialTap:
        """The process's one tap (audit hooks cannot be removed, so it is installed once)."""
        if cls._installed is None:
            cls._installed = DialTap()
            sys.addaudithook(cls._installed._hook)
        return cls._installed

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        """The audit hook: note socket.connect, refuse it when it would leave loopback."""
        if event != "socket.connect" or not self.armed:
            return
        address = args[1]
        if not isinstance(address, tuple):
            return  # a unix socket: the guard refuses those itself; nothing leaves the host
        dial = Dial(str(address[0]), int(address[1]))
        with self._lock:
            self.dials.append(dial)
        if not dial.loopback:
            raise ConnectionRefusedError(f"test harness: dial to {dial.host} refused")

    @contextlib.contextmanager
    def armed_for(self) -> Iterator[DialTap]:
        """Arm the tap with a fresh record for the duration of a with block."""
        with self._lock:
            self.dials = []
        self.armed = True
        try:
            yield self
        finally:
            self.armed = False

    def breaches(self, allowed: Collection[tuple[str, int]] = ()) -> list[Dial]:
        """Every dial to something other than the allowed (host, port) pairs."""
        with self._lock:
            return [d for d in self.dials if (d.host, d.port) not in allowed]


class Canary:
    """A listener on 127.0.0.1:port and [::1]:port that counts (and drops) every connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets = [
            self._bind(socket.AF_INET, "127.0.0.1"),
            self._bind(socket.AF_INET6, "::1"),
        ]
        self._threads = [
            threading.Thread(target=self._serve, args=(s,), daemon=True) for s in self._sockets
        ]
        for thread in self._threads:
            thread.start()

    def _bind(self, family: int, host: str) -> socket.socket:
        """A listening socket on host:port."""
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, self.port))
        sock.listen(64)
        return sock

    def _serve(self, sock: socket.socket) -> None:
        """Accept and count until closed."""
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            conn.close()

    def close(self) -> None:
        """Stop listening."""
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)


def free_port_on(*hosts: str) -> int:
    """A port number free on every one of hosts (IPv4 or IPv6 literals)."""
    for _ in range(50):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.bind((hosts[0], 0))
        port = int(probe.getsockname()[1])
        probe.close()
        if all(_can_bind(h, port) for h in hosts):
            return port
    raise RuntimeError(f"no common free port on {hosts}")


def _can_bind(host: str, port: int) -> bool:
    """True when host:port can be bound right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class ServiceThread:
    """The app under a real uvicorn on 127.0.0.1, in this process (so the overrides apply to it)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port_on("127.0.0.1")
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            lifespan="on",
            # the stdlib loop: uvloop resolves and connects in C, past the resolver override
            # and the audit hook, and these tests must see every lookup and dial
            loop="asyncio",
            log_level="warning",
            ws="websockets-sansio",
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        """Where the service listens (a dial the tap must allow)."""
        return ("127.0.0.1", self.port)

    def __enter__(self) -> ServiceThread:
        self._thread.start()
        self.server_started()
        return self

    def server_started(self) -> None:
        """Block until uvicorn has bound its socket (the server's own flag, no sleep-and-hope)."""
        ready = threading.Event()
        while not ready.wait(0.01):
            if self.server.started:
                ready.set()
            elif not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)
