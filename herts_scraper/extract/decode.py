"""Bytes -> text: the declared charset, strictly, else detection.

The HTTP header's charset wins, then the document's own <meta> declaration;
a page that does not decode with what it declares is repaired by
beautifulsoup4's UnicodeDammit (detection) and flagged, since its text may
differ from what the site meant. UTF-16 and UTF-32, which no detector reads
well, are repaired by replacement instead.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from bs4.dammit import UnicodeDammit

# <meta charset=x> or <meta http-equiv=Content-Type content="...; charset=x">,
# looked for in the first bytes only (where the HTML spec requires it).
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.I,
)
_SNIFF_BYTES = 4096
# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_WIDE = ("utf-16", "utf-32")  # codec names of the encodings whose ASCII bytes come with zero bytes
# Labels browsers decode as another charset (WHATWG Encoding): latin-1 pages
# are windows-1252 in practice (curly quotes in 0x80-0x9f).
_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "iso-8859-1": "cp1252"}


@dataclass
class Decoded:
    text: str
    encoding: str
    how: str  # "bom", "declared", "meta", "default", "detected"
    problems: list[str] = field(default_factory=list)


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if unknown."""
    if not label:
        return None
    if "charset=" in label.lower():  # a whole Content-Type header value
        label = label[label.lower().index("charset=") + 8 :].split(";")[0]
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data, 0, _SNIFF_BYTES)
    return (m.group(1) or m.group(2)).decode("ascii", "replace") if m else None


def wide_codec(data: bytes, encoding: str | None = None) -> str | None:
    """The UTF-16 or UTF-32 codec the page's BOM or the HTTP header (encoding)
    declares, else None: such text is half zero bytes, to be judged once decoded."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name if name.startswith(_WIDE) else None
    declared = _codec(encoding)
    return declared if declared and declared.startswith(_WIDE) else None


def decode_document(data: bytes | str, encoding: str | None = None) -> Decoded:
    """Decode a fetched page. Never raises on bad bytes."""
    if isinstance(data, str):
        return Decoded(data, "unicode", "unicode")
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(name, "replace"), name, "bom")
    declared, how = _codec(encoding), "declared"
    if declared is not None and declared.startswith(_WIDE):
        return _decode_wide(data, declared)
    if declared is None:
        declared, how = _codec(meta_charset(data)), "meta"
    if declared is not None:
        try:
            return Decoded(data.decode(declared), declared, how)
        except UnicodeDecodeError:
            return _detect(data, exclude=declared, problem="encoding-repaired")
    # Nothing declared: UTF-8 is what the site serves; anything else is a guess.
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "default")
    except UnicodeDecodeError:
        return _detect(data, exclude="utf-8", problem="encoding-repaired")


def _decode_wide(data: bytes, codec: str) -> Decoded:
    """UTF-16/32 declared in the header, no BOM. "utf-16" alone names no byte
    order: the zero bytes of the markup's ASCII show it."""
    if codec in _WIDE:
        unit = 2 if codec == "utf-16" else 4
        head = data[:1024]
        codec += "-be" if head[0::unit].count(0) > head[unit - 1 :: unit].count(0) else "-le"
    try:
        return Decoded(data.decode(codec), codec, "declared")
    except UnicodeDecodeError:  # cut short or damaged: detectors do not read these encodings
        return Decoded(data.decode(codec, "replace"), codec, "declared", ["encoding-repaired"])


# A valid multi-byte UTF-8 sequence: a page that holds one is UTF-8 with some
# stray bytes (text pasted from Windows), not a page in another charset.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# Detectors confuse the single-byte Latin code pages on mostly-ASCII text
# (a lone "£" reads as cp1250 "Ł"); an English site's legacy charset is windows-1252.
_WESTERN = {"cp1252", "windows-1252", "iso-8859-1", "latin-1", "iso8859-1", "iso-8859-15", "ascii", "utf-8"}


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: undecodable bytes read as windows-1252 (latin-1 where undefined)."""
    assert isinstance(exc, UnicodeDecodeError)  # a decoding handler only
    chunk = exc.object[exc.start : exc.end]
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in chunk), exc.end


codecs.register_error("herts-cp1252", _cp1252_bytes)


def _detect(data: bytes, exclude: str, problem: str) -> Decoded:
    if exclude == "utf-8" and _UTF8_SEQUENCE.search(data):
        return Decoded(data.decode("utf-8", "herts-cp1252"), "utf-8+cp1252", "detected", [problem])
    dammit = UnicodeDammit(data, is_html=True, exclude_encodings=[exclude])
    text, found = dammit.unicode_markup, (dammit.original_encoding or "unknown")
    if text is None or found.lower() not in _WESTERN:
        try:
            return Decoded(data.decode("cp1252"), "cp1252", "detected", [problem])
        except UnicodeDecodeError:
            pass
    if text is None:  # nothing decodes strictly: keep what we can
        return Decoded(data.decode("utf-8", "replace"), "utf-8", "detected", [problem])
    return Decoded(text, found, "detected", [problem])
