"""Serving with several processes: one listening socket, one published store, `web_processes` servers.

A Python process serves on one core at a time; to use more, `publisher serve` opens
the listening socket once, imports the app's modules, and forks `web_processes`
children before any store is opened or thread started (so the fork is safe). Each
child builds its own app (`create_app`) and runs waitress on the shared socket, and
the kernel hands each new connection to one of them. All of them open the same release read-only
(Oxigraph's RocksDB allows many readers), so they share the operating system's page
cache rather than each holding a copy; they share their answers too, on disk
(publisher.web.cache), each keeping the ones it uses in memory. A child that
dies is replaced; Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import signal
import socket
import sys
import time
import traceback
from types import FrameType

from waitress import serve as waitress_serve

from publisher.errors import ListenError
from publisher.settings import Settings, load_settings
from publisher.web import create_app


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, or ListenError saying why there can be none and what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OverflowError:
        sock.close()
        raise ListenError(
            f"port must be between 1 and 65535, got {port}: choose another with --port. / "
            f"端口须在 1 到 65535 之间，收到 {port}：请用 --port 另选。"
        ) from None
    except OSError as exc:
        sock.close()
        raise ListenError(_why_not(host, port, exc)) from None
    return sock


def _why_not(host: str, port: int, exc: OSError) -> str:
    """Why the server cannot listen on host:port, and what to do, in English and Chinese."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"{host}:{port} is already in use (another server listens there): stop it, or choose another port "
            f"with --port. / {host}:{port} 已被占用（另有服务在此监听）：请停止它，或用 --port 换一个端口。"
        )
    if exc.errno == errno.EACCES:
        return (
            f"not allowed to listen on {host}:{port} (ports below 1024 need privileges): choose --port 1024 or "
            f"above. / 无权在 {host}:{port} 监听（1024 以下的端口需要特权）：请用 --port 选 1024 以上的端口。"
        )
    return (
        f"cannot listen on {host}:{port} ({exc.strerror or exc}): check --host and --port. / "
        f"无法在 {host}:{port} 监听（{exc.strerror or exc}）：请检查 --host 和 --port。"
    )


def _run_child(settings: Settings, sock: socket.socket) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the children
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    app = create_app(settings)
    try:
        waitress_serve(app, sockets=[sock], threads=int(settings.threads), _quiet=True)
    finally:
        app.extensions["query_service"].close()


#: What every server process imports: imported once by the parent before it forks them.
APP_MODULES = (
    "waitress",
    "publisher.web",
    "publisher.web.cache",
    "publisher.web.catalog",
    "publisher.web.pages",
    "publisher.web.queries",
    "publisher.web.documents",
    "publisher.web.errors",
    "publisher.web.i18n",
    "publisher.web.labels",
    "publisher.web.negotiation",
    "publisher.web.reports",
    "publisher.web.resources",
    "publisher.web.servicedescription",
    "publisher.web.sparql",
    "publisher.web.sparqlpage",
    "publisher.web.sparqlrequest",
    "publisher.web.state",
)


def serve(settings: Settings, sock: socket.socket | None = None) -> None:
    """Serve the published store on `sock` (default: listen on host:port); with web_processes > 1, in that many
    forked processes."""
    processes = int(settings.web_processes)
    sock = sock if sock is not None else listen(str(settings.host), int(settings.port))
    if processes <= 1 or not hasattr(os, "fork"):
        _run_child_in_place(settings, sock)
        return
    for module in APP_MODULES:  # imported once here rather than in each child (importing starts no thread)
        importlib.import_module(module)
    children: dict[int, int] = {}
    stopping = False

    def start(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                _run_child(settings, sock)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        children[pid] = slot

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(processes):
        start(slot)
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        slot = children.pop(pid, -1)
        if slot >= 0 and not stopping:
            print(f"server process {pid} ended; starting another", file=sys.stderr)
            time.sleep(0.5)
            start(slot)
    sock.close()


def _run_child_in_place(settings: Settings, sock: socket.socket) -> None:
    app = create_app(settings)
    try:
        waitress_serve(app, sockets=[sock], threads=int(settings.threads), _quiet=True)
    finally:
        app.extensions["query_service"].close()


if __name__ == "__main__":  # python -m publisher.web.server: serve with the settings of the environment
    serve(load_settings())
