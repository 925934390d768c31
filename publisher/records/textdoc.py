"""Read a source document's bytes into text, and match traditional-Chinese text as simplified.

Decoding. Agencies publish in UTF-8 (with or without a byte-order mark), in GB2312, GBK
or GB18030 (mainland sites, Word's "plain text"), and in Big5 (traditional-Chinese
sites). The encoding is taken, in this order, from:

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. for HTML, the page's own declaration (<meta charset=…>, <meta http-equiv="Content-Type"
   content="…; charset=…">, or an XML declaration), honoured before any guess. GB2312 and
   GBK are read as GB18030, their superset. One exception: a page declaring a legacy
   encoding whose bytes are valid UTF-8 (and not plain ASCII) was re-saved as UTF-8 with
   its old declaration kept, and is read as UTF-8 (GBK text is practically never valid
   UTF-8, while UTF-8 bytes often decode as GBK into nonsense);
3. bytes that are valid UTF-8 are UTF-8;
4. otherwise charset-normalizer (MIT) tells GB18030 from Big5.

When none of these gives an encoding, SourceError names the file and asks for it to be
saved as UTF-8.

Traditional Chinese. A report written in traditional characters is matched against the
formats' simplified wording through `to_simplified`, which converts with OpenCC (t2s,
Apache-2.0) character for character: the result has the same length as the text, and
each character stays at its position, so offsets found in the converted text select
the same passage in the original, which stays the source. OpenCC's phrase dictionaries
are used (they pick 干/乾/幹 by context) run by run of Chinese characters; a run whose
conversion would change its length is converted one character at a time instead.
`is_traditional` tells when a text needs it.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
from pathlib import Path

import opencc
from charset_normalizer import from_bytes

from publisher.errors import SourceError

#: Encodings charset-normalizer chooses among (UTF-8 is checked before it).
CHINESE_ENCODINGS = ["gb18030", "big5"]
#: Encoding labels read as a superset: GB2312 and GBK text is GB18030 text.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030"}
#: Labels web pages use (WHATWG Encoding) that Python's codec registry does not know.
WEB_LABELS = {
    "x-gbk": "gbk", "csgb2312": "gb2312", "gb_2312": "gb2312", "gb_2312-80": "gb2312", "windows-936": "gbk",
    "x-big5": "big5", "cn-big5": "big5", "unicode-1-1-utf-8": "utf-8",
}  # fmt: skip
#: Share of Chinese characters that conversion changes, from which a text is traditional.
TRADITIONAL_SHARE = 0.1
#: How far into an HTML page its encoding declaration is looked for.
DECLARATION_WINDOW = 64 * 1024

#: Byte-order marks, their codec (which drops the mark) and the encoding's name. UTF-32's first: FF FE 00 00.
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
]
META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
XML_ENCODING = re.compile(rb"^\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.IGNORECASE)
HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|body)\b", re.IGNORECASE | re.DOTALL)
HTML_SUFFIXES = frozenset({".htm", ".html", ".shtml", ".xhtml"})
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def read_text(path: str | os.PathLike[str], *, html: bool | None = None) -> str:
    """The text of a plain-text or HTML file; `html=None` tells HTML by the suffix or the first tag."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise SourceError(file, f"cannot be read: {error.strerror or error}") from error
    if html is None:
        html = (
            file.suffix.lower() in HTML_SUFFIXES
            or HTML_START.match(data[:4096].removeprefix(codecs.BOM_UTF8)) is not None
        )
    return decode(data, file, html=html)


def decode(data: bytes, source: str | os.PathLike[str], *, html: bool = False) -> str:
    """Decode a document's bytes (see the module docstring for the order); SourceError naming `source`."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            return _strict(data, codec, name, source)
    if html:
        declared = declared_encoding(data)
        if declared is not None:
            text = _try(data, declared)
            if text is not None and not (declared != "utf-8" and _is_utf8(data) and not data.isascii()):
                return text
    if _is_utf8(data):
        return data.decode("utf-8")
    best = from_bytes(data, cp_isolation=CHINESE_ENCODINGS).best()
    if best is not None:
        text = _try(data, _codec(best.encoding) or best.encoding)
        if text is not None:
            return text
    raise SourceError(
        source,
        "cannot tell the file's encoding: it is not UTF-8, GB18030/GBK/GB2312 or Big5"
        f"{_where_invalid(data)}. Open it in an editor, save it as UTF-8 and import it again.",
    )


def declared_encoding(data: bytes) -> str | None:
    """The Python codec an HTML page's <meta> or XML declaration names, or None (absent or unknown label)."""
    head = data[:DECLARATION_WINDOW]
    match = XML_ENCODING.match(head) or META_CHARSET.search(head)
    return _codec(match.group(1).decode("ascii")) if match else None


def to_simplified(text: str) -> str:
    """The text with traditional characters converted to simplified, character for character (same length)."""
    converter = _converter()
    parts: list[str] = []
    last = 0
    for run in HAN_RUN.finditer(text):
        original = run.group()
        converted = converter.convert(original)
        if len(converted) != len(original):
            converted = "".join(_one(converter, character) for character in original)
        parts += [text[last : run.start()], converted]
        last = run.end()
    parts.append(text[last:])
    return "".join(parts)


def traditional_share(text: str) -> float:
    """Share of the text's Chinese characters that `to_simplified` changes (0.0 without any)."""
    han = sum(len(run) for run in HAN_RUN.findall(text))
    if not han:
        return 0.0
    changed = sum(1 for a, b in zip(text, to_simplified(text), strict=True) if a != b)
    return changed / han


def is_traditional(text: str) -> bool:
    """Whether a text is written in traditional characters (and so is matched through `to_simplified`)."""
    return traditional_share(text) >= TRADITIONAL_SHARE


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s", include_tofu_risk_dictionaries=False)


def _one(converter: opencc.OpenCC, character: str) -> str:
    converted: str = converter.convert(character)
    return converted if len(converted) == 1 else character


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    try:
        name = codecs.lookup(WEB_LABELS.get(label, label)).name
    except LookupError:
        return None
    name = SUPERSETS.get(name, name)
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _strict(data: bytes, codec: str, name: str, source: str | os.PathLike[str]) -> str:
    """Decode a file that starts with a byte-order mark: the mark says the encoding, no guess."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise SourceError(
            source,
            f"the file starts with a {name} byte-order mark but is not valid {name} at byte {error.start}: "
            "it mixes encodings. Open it in an editor, save it as UTF-8 and import it again.",
        ) from error


def _where_invalid(data: bytes) -> str:
    """Where the bytes stop being UTF-8, to point a person at the spot."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f" (byte {error.start} is {data[error.start : error.start + 1].hex()} — not UTF-8)"
    return ""  # pragma: no cover - only called for bytes that are not UTF-8
