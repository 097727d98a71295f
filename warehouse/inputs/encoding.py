"""Which text encoding a CSV file is in: the contract's UTF-8 (with or without BOM) or GB18030, or neither.

Any byte string decodes as GB18030 or nearly so, so "it decodes" proves nothing: a Shift-JIS, Big5 or EUC-KR file
read as GB18030 is a page of wrong but valid characters, and its names and codes would load as garbage. Whether
the GB18030 reading is Chinese text is judged by charset-normalizer, on a bounded sample of the file (a national
CSV is gigabytes; the sample is 64 KiB, a few milliseconds to judge), by comparing its reading of the sample as
GB18030 with its readings as the encodings an office may have by mistake.

charset-normalizer's measures need text: its "mess" of a reading counts, among other things, the CJK characters
outside its 532 most common ones, so genuine Chinese names (乡, 镇 and most surnames are "uncommon" to it) score
up to 20 % mess, as much as a Japanese file read as GB18030. The bounds below were measured on 144 genuine
GB18030 samples (the demo, the test fixtures, generated data cut into 2 to 50 rows, rare characters) and 193
foreign ones (the same data and real Japanese, Korean, traditional Chinese and Western text in Shift-JIS, EUC-JP,
EUC-KR, Big5 and cp1252), cut four ways:
- where charset-normalizer recognises the Chinese language in the GB18030 reading (coherence above 0) the file
  was always genuine, and where it recognises a language in another CJK reading, never;
- otherwise, with at least 40 non-ASCII characters in the sample, a genuine file's GB18030 reading was never
  beaten by more than 3.5 points, and a foreign file's by at least 5 (but two-row EUC-JP files: 2.2);
- below 40 characters the readings differ by chance (a two-row GB18030 people file reads 16 points cleaner as
  EUC-KR), so the file keeps the contract's encoding: where the text cannot tell, the rule errs towards GB18030,
  and a foreign file that small (a few foreign names or accented words) is read as GB18030;
- a GB18030 reading above 25 % mess was never genuine (the most seen was 20 %).
No genuine sample was refused; 11 to 20 of the 193 foreign ones, all of two to five rows, were read as GB18030.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import charset_normalizer

SAMPLE_BYTES = 64 * 1024
SAMPLE_WINDOWS = 4
"""The sample is this many windows of whole lines, the first at the first line holding a non-ASCII byte (where the
text to judge begins), the others spread over the file (a file sorted by township may change script halfway)."""
EVIDENCE_CHARACTERS = 40
CLEARER_BY = 5.0
"""Points of charset-normalizer's mess (in percent) by which another reading must beat the GB18030 one."""
INCOHERENT = 25.0
"""Mess (in percent) above which a GB18030 reading is not Chinese text whatever the other readings say."""

GB18030 = "gb18030"
UTF_8, UTF_8_SIG, UTF_16 = "utf_8", "utf_8_sig", "utf_16"
OTHER_CJK = ("big5", "cp932", "euc_jp", "cp949")
MISTAKES = (*OTHER_CJK, "cp1252", "utf_16_le", "utf_16_be")
"""Encodings an office may hand over by mistake: a file saved on a traditional-Chinese, Japanese, Korean or Western
Windows, or Excel's "Unicode text"."""

BOMS = {
    b"\xef\xbb\xbf": UTF_8_SIG,
    b"\xff\xfe\x00\x00": "utf_32_le",
    b"\x00\x00\xfe\xff": "utf_32_be",
    b"\xff\xfe": "utf_16_le",
    b"\xfe\xff": "utf_16_be",
}
"""Longest first: the UTF-32 little-endian mark starts with the UTF-16 one."""

DESCRIPTIONS = {
    "big5": ("Big5（繁体中文）", "Big5 (traditional Chinese)"),
    "cp932": ("Shift-JIS（日文）", "Shift-JIS (Japanese)"),
    "euc_jp": ("EUC-JP（日文）", "EUC-JP (Japanese)"),
    "cp949": ("EUC-KR（韩文）", "EUC-KR (Korean)"),
    "cp1252": ("Windows-1252 / Latin-1（西欧文字）", "Windows-1252 / Latin-1 (Western European)"),
    "utf_16": ("UTF-16（Excel 的“Unicode 文本”）", "UTF-16 (Excel's \"Unicode Text\")"),
    "utf_32": ("UTF-32", "UTF-32"),
}
SAME_FOR_PEOPLE = {
    "shift_jis": "cp932", "euc_kr": "cp949", "latin_1": "cp1252", "utf_16_le": "utf_16", "utf_16_be": "utf_16",
    "utf_32_le": "utf_32", "utf_32_be": "utf_32",
}
"""charset-normalizer's codec names that a person knows by one name."""


@dataclass(frozen=True)
class Verdict:
    encoding: str | None
    """The Python codec to read the file with (`utf_8`, `utf_8_sig` or `gb18030`); None when it is neither."""
    likely: str | None = None
    """For a file that is neither: the encoding it most likely is (a Python codec name), when one is found."""

    def describe(self) -> tuple[str, str]:
        """The likely encoding for a person, Chinese and English (charset-normalizer's codec name where the
        project has no words for it)."""
        assert self.likely is not None
        name = SAME_FOR_PEOPLE.get(self.likely, self.likely)
        return DESCRIPTIONS.get(name, (name, name))


def detect(raw: bytes) -> Verdict:
    """The encoding of a CSV file's bytes, judged from a bounded sample of them."""
    for mark, codec in BOMS.items():
        if raw.startswith(mark):
            return Verdict(codec) if codec == UTF_8_SIG else Verdict(None, codec)
    text = sample(raw)
    if b"\x00" in text:  # never in CSV text; in UTF-16 without its mark, half the bytes of ASCII text
        best = charset_normalizer.from_bytes(text).best()
        return Verdict(None, best.encoding if best is not None else UTF_16)
    if _decodes(text, UTF_8):
        return Verdict(UTF_8)
    matches = charset_normalizer.from_bytes(
        text, cp_isolation=[GB18030, *MISTAKES], threshold=1.0, preemptive_behaviour=False,
        chunk_size=1024, steps=32,
    )
    readings = {name: match for match in matches for name in match.could_be_from_charset}
    chinese = readings.pop(GB18030, None)
    if chinese is not None and is_chinese(chinese, readings):
        return Verdict(GB18030)
    likely = min(readings.values(), key=lambda m: m.percent_chaos, default=None)
    if likely is None:  # none of the usual mistakes either: charset-normalizer's best guess among all it knows
        likely = charset_normalizer.from_bytes(text).best()
    return Verdict(None, likely.encoding if likely is not None else None)


def is_chinese(chinese: charset_normalizer.CharsetMatch, others: dict[str, charset_normalizer.CharsetMatch]) -> bool:
    """Whether charset-normalizer's GB18030 reading of the sample is plausibly Chinese text, given its other
    readings (the module's docstring says how the bounds were measured)."""
    if chinese.percent_chaos > INCOHERENT:
        return False
    if chinese.percent_coherence > 0:
        return True
    if any(others[name].percent_coherence > 0 for name in OTHER_CJK if name in others):
        return False
    if sum(not character.isascii() for character in str(chinese)) < EVIDENCE_CHARACTERS:
        return True
    return not any(chinese.percent_chaos - other.percent_chaos >= CLEARER_BY for other in others.values())


def sample(raw: bytes) -> bytes:
    """Whole lines from a few places of the file, SAMPLE_BYTES in all. A line break (0x0A) is never part of a
    multi-byte character in GB18030, Big5, Shift-JIS or EUC, so no window cuts a character in two."""
    first = first_non_ascii(raw)
    if first is None:
        return raw[:SAMPLE_BYTES]
    if len(raw) <= SAMPLE_BYTES:
        return raw
    size = SAMPLE_BYTES // SAMPLE_WINDOWS
    starts = [raw.rfind(b"\n", 0, first) + 1]
    for i in range(1, SAMPLE_WINDOWS):
        start = raw.find(b"\n", len(raw) * i // SAMPLE_WINDOWS) + 1
        if start > starts[-1] + size:
            starts.append(start)
    windows = []
    for start in starts:
        window = raw[start:start + size]
        if start + size < len(raw) and b"\n" in window:
            window = window[: window.rindex(b"\n") + 1]
        windows.append(window)
    return b"".join(windows)


def first_non_ascii(raw: bytes, block: int = 1 << 20) -> int | None:
    """Where the first byte above 0x7F is: blocks are tested with bytes.isascii (C speed, about 0.07 s for 1 GB of
    ASCII) and only the block that has one is searched."""
    for start in range(0, len(raw), block):
        chunk = raw[start:start + block]
        if not chunk.isascii():
            match = re.search(rb"[\x80-\xff]", chunk)
            assert match is not None
            return start + match.start()
    return None


def _decodes(text: bytes, codec: str) -> bool:
    try:
        text.decode(codec)
    except UnicodeDecodeError:
        return False
    return True
