"""The publisher's settings, declared once: name, default, help.

Every setting can be given, from strongest to weakest, as a command-line flag
(`--base-iri`), an environment variable (`PUBLISHER_BASE_IRI`), a key in a TOML
config file (`base_iri = "..."`, file named by `--config` or `PUBLISHER_CONFIG`,
else `publisher.toml` in the working directory), or left at its default. The CLI,
the README and a test all read the table below.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
SHAPES_DIR = PROJECT_ROOT / "shapes"
#: Values of the `store` setting: the embedded store, or a remote one (publisher.store.remote.REMOTE_KINDS).
STORE_KINDS = ("embedded", "virtuoso", "sparql")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    type: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base_iri",
        "",
        "Base IRI under which every IRI is minted (no trailing slash). Empty means http://{host}:{port}, the "
        "address `publisher serve` listens on (127.0.0.1 for host 0.0.0.0, [::1] for ::); behind a proxy, set it "
        "to the public address of the server so that every IRI dereferences.",
    ),
    Setting("data_dir", "data", "Folder of records: agencies.yaml and reports/.", Path),
    Setting(
        "build_dir",
        "build",
        "Folder the build writes to; `current` in it points at the published store.",
        Path,
    ),
    Setting("host", "127.0.0.1", "Address `publisher serve` listens on."),
    Setting("port", 8000, "Port `publisher serve` listens on.", int),
    Setting("threads", 8, "Request threads of the WSGI server.", int),
    Setting(
        "query_timeout",
        10.0,
        "Seconds a SPARQL query may run before it is stopped (its worker process is ended) and answered with 503.",
        float,
    ),
    Setting(
        "query_workers",
        2,
        "Worker processes that evaluate SPARQL queries (one query at a time each; at a lower CPU priority than the "
        "pages, which keep the cores while queries run).",
        int,
    ),
    Setting(
        "query_memory_mb",
        640,
        "Most resident memory (MB) a query worker may use for one query; past it the query is stopped and answered "
        "403 naming this setting. 0: no cap.",
        int,
    ),
    Setting(
        "row_cap", 10000, "Most rows (or triples) a query answer returns; longer answers are truncated and say so.", int
    ),
    Setting("max_query_bytes", 65536, "Largest SPARQL query accepted, in bytes (UTF-8); longer ones get 413.", int),
    Setting(
        "max_query_depth",
        64,
        "Deepest nesting of a SPARQL query's braces, parentheses and brackets (nested OPTIONAL, subqueries and "
        "expressions count); deeper ones get 400 before they reach the engine.",
        int,
    ),
    Setting("max_values", 10000, "Most terms the VALUES blocks of a SPARQL query may hold; more get 400.", int),
    Setting(
        "reserved_threads",
        4,
        "Request threads kept for pages, downloads and cached answers: at most threads minus this many (at least "
        "one) SPARQL queries and named queries run or wait for a query worker at once in a server process; one "
        "more is answered 503 with Retry-After at once.",
        int,
    ),
    Setting(
        "query_rate_limit",
        "1200 per minute",
        "Most SPARQL queries and named queries one client may send, in Flask-Limiter's notation (e.g. `20 per "
        "second; 1200 per hour`), counted per server process; more are answered 429 with Retry-After. A client is "
        "its address (behind a proxy, the proxy's). Empty turns the limit off.",
    ),
    Setting(
        "catalog_page_size",
        50,
        "Datasets per page of the DCAT catalog at /catalog; further pages are linked with hydra:next.",
        int,
    ),
    Setting(
        "listing_page_size",
        100,
        "Members per page of a container IRI's listing (/id, /id/agency, /id/report, /def, /graph …); further "
        "pages are ?page=2, … and linked with hydra:next.",
        int,
    ),
    Setting(
        "finding_page_size",
        50,
        "Rows per page of the home page's reports, the agency index and the coverage page; further pages are "
        "?page=2, ….",
        int,
    ),
    Setting(
        "export_live_base",
        "",
        "Address of a running `publisher serve` (e.g. https://data.example.org) that a static export links to for "
        "what needs the app: /sparql, named queries with parameters, the filtered and further pages of the lists. "
        "Empty: the export leaves those links out.",
    ),
    Setting(
        "document_triple_cap",
        50000,
        "Most triples one linked-data document (/id/…, /def/…, /graph/…) may hold; a larger one, or one that takes "
        "longer than query_timeout to gather, is refused with an error naming the downloads and /sparql instead.",
        int,
    ),
    Setting(
        "document_max_mb",
        32.0,
        "Largest linked-data document answer, in MB once serialised; a larger one is refused like one past "
        "document_triple_cap.",
        float,
    ),
    Setting(
        "build_workers",
        0,
        "Worker processes that check and write reports during a build; 0 means one per CPU core.",
        int,
    ),
    Setting(
        "build_pool_from",
        64,
        "Records or reports a build stage needs before it works on them in the worker processes; fewer are worked on "
        "in the build's own process (starting the workers and loading the project in each costs a second or more).",
        int,
    ),
    Setting(
        "web_processes",
        1,
        "Server processes `publisher serve` starts, sharing one port and one store; more use more cores.",
        int,
    ),
    Setting(
        "store",
        "embedded",
        "Where the published graphs are queried: `embedded` (an Oxigraph store in build_dir), `virtuoso` "
        "(Virtuoso Open Source over HTTP) or `sparql` (another SPARQL 1.1 store whose default graph is the union "
        "of its named graphs). A build still writes its release to build_dir, then replaces the changed report "
        "graphs in the remote store before it is published.",
    ),
    Setting("store_query_url", "", "SPARQL query endpoint of the remote store, e.g. http://127.0.0.1:8890/sparql."),
    Setting(
        "store_update_url",
        "",
        "SPARQL Update endpoint of the remote store (Virtuoso: http://127.0.0.1:8890/sparql-auth); empty means "
        "store_query_url.",
    ),
    Setting(
        "store_graph_url",
        "",
        "Graph Store Protocol endpoint of the remote store, used by `virtuoso` to load graphs; empty means "
        "/sparql-graph-crud-auth on the host of store_update_url.",
    ),
    Setting("store_user", "", "User for the remote store's updates (HTTP digest authentication); empty for none."),
    Setting("store_password", "", "Password of store_user; give it in the environment (PUBLISHER_STORE_PASSWORD)."),
    Setting(
        "response_cache_mb",
        256,
        "Memory (MB, per server process) for answers kept until the next release is published; the answers are "
        "also shared between the server processes on disk (build_dir/responses, at most 8 times this per process "
        "and release). 0 turns both off.",
        int,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Read a value with `settings.base_iri` etc."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def base(self) -> str:
        return str(self.values["base_iri"]).rstrip("/")


def env_name(name: str) -> str:
    return "PUBLISHER_" + name.upper()


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting: flag overrides, then environment, then file, then default."""
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    file_values = _read_config(config_file, environ)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            raw = overrides[setting.name]
        elif env_name(setting.name) in environ:
            raw = environ[env_name(setting.name)]
        elif setting.name in file_values:
            raw = file_values[setting.name]
        else:
            raw = setting.default
        values[setting.name] = _convert(setting, raw)
    unknown = set(overrides) - set(_BY_NAME)
    if unknown:
        raise ConfigurationError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    port = int(values["port"])
    if not 0 < port < 65536:
        raise ConfigurationError(
            f"port must be between 1 and 65535, got {port}; choose a free port with --port or PUBLISHER_PORT. / "
            f"端口须在 1 到 65535 之间，收到 {port}：请用 --port 或 PUBLISHER_PORT 另选空闲端口。"
        )
    values["base_iri"] = values["base_iri"] or served_base(str(values["host"]), port)
    base = str(values["base_iri"])
    if not base.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"base_iri must be an absolute http(s) IRI, got {base!r}; set it with --base-iri or PUBLISHER_BASE_IRI."
        )
    for name in ("build_workers", "response_cache_mb"):
        if int(values[name]) < 0:
            raise ConfigurationError(f"{name} must be 0 or more, got {values[name]}; set it with {env_name(name)}.")
    if int(values["web_processes"]) < 1:
        raise ConfigurationError(
            f"web_processes must be at least 1, got {values['web_processes']}; set it with PUBLISHER_WEB_PROCESSES."
        )
    if values["store"] not in STORE_KINDS:
        raise ConfigurationError(
            f"store must be one of {', '.join(STORE_KINDS)}, got {values['store']!r}; set it with PUBLISHER_STORE."
        )
    if values["store"] != "embedded" and not str(values["store_query_url"]).startswith(("http://", "https://")):
        raise ConfigurationError(
            f"store = {values['store']} needs the remote store's SPARQL endpoint: set store_query_url "
            "(PUBLISHER_STORE_QUERY_URL), e.g. http://127.0.0.1:8890/sparql."
        )
    if int(values["catalog_page_size"]) < 1:
        raise ConfigurationError(
            f"catalog_page_size must be at least 1, got {values['catalog_page_size']}; "
            "set it with PUBLISHER_CATALOG_PAGE_SIZE or in the config file."
        )
    for name in ("listing_page_size", "finding_page_size", "document_triple_cap", "document_max_mb"):
        if values[name] <= 0:
            raise ConfigurationError(f"{name} must be more than 0, got {values[name]}; set it with {env_name(name)}.")
    return Settings(values)


def served_base(host: str, port: int) -> str:
    """The base IRI of a server listening on host:port (the `base_iri` when it is not set)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _read_config(config_file: Path | None, environ: Mapping[str, str]) -> dict[str, Any]:
    explicit = config_file or (Path(environ["PUBLISHER_CONFIG"]) if "PUBLISHER_CONFIG" in environ else None)
    path = explicit or Path("publisher.toml")
    if not path.exists():
        if explicit is not None:
            raise ConfigurationError(f"Config file {path} does not exist.")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from exc
    unknown = set(data) - set(_BY_NAME)
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; known settings are {', '.join(_BY_NAME)}."
        )
    return data


def _convert(setting: Setting, raw: Any) -> Any:
    try:
        return setting.type(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"Setting {setting.name} expects {setting.type.__name__}, got {raw!r}.") from exc
