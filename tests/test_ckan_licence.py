"""CKAN's DCAT harvester maps the catalog's licence: every dataset gets CKAN's `cc-by`.

ckanext-dcat's RDFParser compares a distribution's dct:license with the URLs, then the
titles, of CKAN's licence register; scripts/ckan-licences reproduces that rule (see
its docstring for the source files) and is run here against the catalog served on
loopback, as CKAN would harvest it, page by page.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from publisher.settings import PROJECT_ROOT
from tests.helpers import LiveServer, start_live_server

SCRIPT = PROJECT_ROOT / "scripts" / "ckan-licences"


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The bundled data served with one dataset per catalog page, so the harvest follows hydra:next."""
    return start_live_server(tmp_path_factory.mktemp("ckan"), catalog_page_size=1)


def harvest(server: LiveServer, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), f"{server.url}/catalog", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def licences(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    rows = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    return {dataset: licence for dataset, licence in rows}


def test_every_harvested_dataset_gets_ckans_cc_by(paged: LiveServer) -> None:
    result = harvest(paged)
    found = licences(result)
    report = f"{paged.url}/id/report/jilin-city-science-technology-bureau/2011"
    assert report in found, result.stdout  # the report's dataset, on a page of its own
    assert len(found) > 1  # and the others, on the pages after it
    assert set(found.values()) == {"cc-by"}, result.stdout
    assert result.returncode == 0


def test_a_ckan_whose_default_language_is_chinese_maps_it_too(paged: LiveServer) -> None:
    result = harvest(paged, "--lang", "zh_Hans_CN")
    assert set(licences(result).values()) == {"cc-by"}, result.stdout
    assert result.returncode == 0


def test_the_script_exits_2_when_it_cannot_harvest() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "http://127.0.0.1:9/catalog"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "cannot harvest" in result.stderr
