"""GSM 03.38 (GSM-7) text: normalise to it, count its septets and SMS segments.

One character outside GSM-7 switches the whole text to UCS-2, where a segment
holds 70 characters instead of 160 — a curly apostrophe in a name can triple
the cost of a reminder. So every text is normalised before it is counted or sent.
"""

from __future__ import annotations

import unicodedata

# The basic character set (3GPP TS 23.038 §6.2.1).
BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape plus the character (two septets).
EXTENDED = set("^{}\\[~]|€\f")

SINGLE_SEGMENT = 160
MULTI_SEGMENT = 153  # 7 septets of every part go to the concatenation header
MAX_SEGMENTS = 2

_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "´": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "«": '"',
    "»": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u200b": "",
    "\t": " ",
    "•": "-",
    "·": "-",
}


def _in_alphabet(char: str) -> bool:
    return char in BASIC or char in EXTENDED


def _cost(char: str) -> int:
    """Septets a GSM-7 character takes: an extension character needs an escape first."""
    return 2 if char in EXTENDED else 1


def normalize(text: str) -> str:
    """Text in GSM-7 only: typographic punctuation to ASCII, accents dropped where
    GSM-7 lacks the letter, anything else (emoji, CJK) to '?'."""
    out: list[str] = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        for piece in char:
            if _in_alphabet(piece):
                out.append(piece)
                continue
            # "ō" → "o", "ł" stays unknown; decomposition keeps the base letter.
            base = "".join(c for c in unicodedata.normalize("NFKD", piece) if not unicodedata.combining(c))
            if base and all(_in_alphabet(c) for c in base):
                out.append(base)
            else:
                out.append("?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(_in_alphabet(char) for char in text)


def septets(text: str) -> int:
    return sum(_cost(char) for char in text)


def segments(text: str) -> int:
    """Segments a GSM-7 text needs (UCS-2 texts are counted as such too)."""
    if not is_gsm7(text):
        units = len(text.encode("utf-16-le")) // 2
        return 1 if units <= 70 else -(-units // 67)
    count = septets(text)
    if count <= SINGLE_SEGMENT:
        return 1
    return -(-count // MULTI_SEGMENT)


def max_septets(segment_count: int = MAX_SEGMENTS) -> int:
    return SINGLE_SEGMENT if segment_count == 1 else MULTI_SEGMENT * segment_count


def truncate(text: str, limit: int) -> str:
    """Cut a GSM-7 text to at most `limit` septets, marking the cut with '...'."""
    if septets(text) <= limit:
        return text
    out = []
    used = 0
    for char in text:
        cost = _cost(char)
        if used + cost > limit - 3:
            break
        out.append(char)
        used += cost
    return "".join(out).rstrip() + "..."
