"""The vocabularies of the catalog that rdflib does not ship, closed, and the EU code lists we cite.

Hydra (paging), SPDX (checksums), vCard (contact points), DCAT-AP's own terms and
ADMS are declared here as closed namespaces (a typo raises). The EU authority
tables (file types, languages, countries, licences, themes, availability) and the
ADMS publisher and licence types are cited by IRI with the labels the catalog
repeats, since DCAT-AP's range shapes want every cited concept typed and labelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace


class HYDRA(DefinedNamespace):
    """Hydra Core (collections and the paging terms)."""

    _NS = Namespace("http://www.w3.org/ns/hydra/core#")
    _fail = True

    Collection: URIRef
    PartialCollectionView: URIRef
    first: URIRef
    last: URIRef
    member: URIRef
    next: URIRef
    previous: URIRef
    totalItems: URIRef
    view: URIRef


class SPDX(DefinedNamespace):
    """SPDX (checksums)."""

    _NS = Namespace("http://spdx.org/rdf/terms#")
    _fail = True

    Checksum: URIRef
    algorithm: URIRef
    checksum: URIRef
    checksumAlgorithm_sha256: URIRef
    checksumValue: URIRef


class VCARD(DefinedNamespace):
    """vCard (contact points)."""

    _NS = Namespace("http://www.w3.org/2006/vcard/ns#")
    _fail = True

    Kind: URIRef
    Organization: URIRef
    fn: URIRef
    hasEmail: URIRef
    hasURL: URIRef


class DCATAP(DefinedNamespace):
    """DCAT-AP's own terms."""

    _NS = Namespace("http://data.europa.eu/r5r/")
    _fail = True

    availability: URIRef


class SD(DefinedNamespace):
    """SPARQL 1.1 Service Description (the terms the catalog and /sparql's description use)."""

    _NS = Namespace("http://www.w3.org/ns/sparql-service-description#")
    _fail = True

    Dataset: URIRef
    Graph: URIRef
    NamedGraph: URIRef
    SPARQL11Query: URIRef
    Service: URIRef
    UnionDefaultGraph: URIRef
    defaultDataset: URIRef
    defaultGraph: URIRef
    endpoint: URIRef
    feature: URIRef
    name: URIRef
    namedGraph: URIRef
    resultFormat: URIRef
    supportedLanguage: URIRef


EU = "http://publications.europa.eu/resource/authority/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"


@dataclass(frozen=True)
class Cited:
    """A concept of someone else's code list, with the labels we repeat."""

    iri: URIRef
    zh: str
    en: str


def _cite(base: str, code: str, zh: str, en: str) -> Cited:
    return Cited(URIRef(base + code), zh, en)


THEME_SCHEME = _cite(EU, "data-theme", "数据主题（欧盟）", "Data theme (EU)")
THEMES = {
    "GOVE": _cite(EU, "data-theme/GOVE", "政府和公共部门", "Government and public sector"),
    "JUST": _cite(EU, "data-theme/JUST", "司法、法律制度和公共安全", "Justice, legal system and public safety"),
}
LANGUAGES = {
    "zh": _cite(EU, "language/ZHO", "中文", "Chinese"),
    "en": _cite(EU, "language/ENG", "英文", "English"),
}
COUNTRIES = {"CHN": _cite(EU, "country/CHN", "中国", "China")}
LICENCES = {
    "CC_BY_4_0": _cite(
        EU, "licence/CC_BY_4_0", "知识共享署名 4.0 国际许可协议", "Creative Commons Attribution 4.0 International"
    ),
    "CC0": _cite(EU, "licence/CC0", "CC0 1.0 公共领域贡献", "Creative Commons CC0 1.0 Universal"),
}
LICENCE_TYPES = {
    "CC_BY_4_0": _cite(ADMS_LICENCE_TYPE, "Attribution", "署名", "Attribution"),
    "CC0": _cite(ADMS_LICENCE_TYPE, "PublicDomain", "公共领域", "Public domain"),
}
STABLE = _cite(EU, "planned-availability/STABLE", "稳定", "Stable")
PUBLISHER_TYPES = {
    "NationalAuthority": _cite(ADMS_PUBLISHER_TYPE, "NationalAuthority", "国家机关", "National authority"),
    "RegionalAuthority": _cite(ADMS_PUBLISHER_TYPE, "RegionalAuthority", "省级机关", "Regional authority"),
    "LocalAuthority": _cite(ADMS_PUBLISHER_TYPE, "LocalAuthority", "地方机关", "Local authority"),
    "NonProfitOrganisation": _cite(
        ADMS_PUBLISHER_TYPE, "NonProfitOrganisation", "非营利组织", "Non-profit organisation"
    ),
    "Academia-ScientificOrganisation": _cite(
        ADMS_PUBLISHER_TYPE, "Academia-ScientificOrganisation", "学术科研机构", "Academia / scientific organisation"
    ),
}
SPARQL_PROTOCOL = _cite("https://www.w3.org/TR/", "sparql11-protocol/", "SPARQL 1.1 协议", "SPARQL 1.1 Protocol")
CSVW_STANDARD = _cite(
    "https://www.w3.org/TR/",
    "tabular-data-model/",
    "网络表格数据模型（CSVW）",
    "Model for Tabular Data and Metadata on the Web (CSVW)",
)


def division_level(code: str) -> Cited:
    """The ADMS publisher type of an agency by its division code (GB/T 2260: ….0000 province, ..00 city)."""
    if code == "100000":
        return PUBLISHER_TYPES["NationalAuthority"]
    if code.endswith("0000"):
        return PUBLISHER_TYPES["RegionalAuthority"]
    return PUBLISHER_TYPES["LocalAuthority"]
