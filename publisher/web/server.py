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
import importlib
import os
import signal
import socket
import sys
import time
import traceback
from types import FrameType

from waitress import serve as waitress_serve

from publisher.settings import Settings, load_settings
from publisher.web import create_app


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


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


def serve(settings: Settings) -> None:
    """Serve the published store; with web_processes > 1, in that many forked processes."""
    processes = int(settings.web_processes)
    sock = listen(str(settings.host), int(settings.port))
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
