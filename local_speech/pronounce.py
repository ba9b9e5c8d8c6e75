"""Pronunciations (CMU/ARPAbet phones, as the pocketsphinx model uses) for words the dictionary lacks.

Catalogue names bring words such as "nitrile" or "squeegees". espeak-ng knows how to say them; its IPA is mapped
to ARPAbet. Without espeak-ng a crude letter-to-phone rule set keeps the word recognisable."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence

log = logging.getLogger(__name__)

# Words whose spoken form espeak-ng gets wrong for a warehouse ("sku" is said "skew").
OVERRIDES: dict[str, str] = {
    "sku": "S K Y UW",
    "skus": "S K Y UW Z",
    "eaches": "IY CH AH Z",
}

# IPA (as espeak-ng writes it for en-us) to ARPAbet; matched longest first.
_IPA: dict[str, str] = {
    "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "ɔɪ": "OY", "əʊ": "OW", "ɪə": "IH R", "eə": "EH R",
    "ʊə": "UH R", "tʃ": "CH", "dʒ": "JH", "ɜː": "ER", "ɑː": "AA", "ɔː": "AO", "iː": "IY", "uː": "UW",
    "ɚ": "ER", "ɝ": "ER", "ɜ": "ER", "ɑ": "AA", "ɒ": "AA", "æ": "AE", "a": "AE", "ʌ": "AH", "ə": "AH",
    "ɐ": "AH", "ᵻ": "IH", "ɪ": "IH", "i": "IY", "e": "EH", "ɛ": "EH", "o": "OW", "ɔ": "AO", "ʊ": "UH",
    "u": "UW", "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V",
    "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M", "n": "N",
    "ŋ": "NG", "l": "L", "ɫ": "L", "ɹ": "R", "r": "R", "w": "W", "j": "Y", "ɾ": "D", "ʔ": "T", "x": "K",
    "ç": "HH",
}  # fmt: skip
_IPA_KEYS = sorted(_IPA, key=len, reverse=True)
_IGNORED = set("ˈˌːˑ‍̩͡.-_ ")

# Letter-to-phone fallback: digraphs first, then single letters.
_LETTERS: dict[str, str] = {
    "tch": "CH", "sh": "SH", "ch": "CH", "th": "TH", "ph": "F", "ck": "K", "ng": "NG", "qu": "K W",
    "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW", "ow": "OW", "ai": "EY", "ay": "EY", "oa": "OW",
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R", "s": "S",
    "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "IY", "z": "Z",
}  # fmt: skip
_LETTER_KEYS = sorted(_LETTERS, key=len, reverse=True)


def ipa_to_arpabet(ipa: str) -> str:
    """ARPAbet phones for one word of espeak-ng IPA; unknown symbols are skipped."""
    phones: list[str] = []
    i = 0
    while i < len(ipa):
        if ipa[i] in _IGNORED:
            i += 1
            continue
        key = next((k for k in _IPA_KEYS if ipa.startswith(k, i)), None)
        if key is None:
            i += 1
            continue
        phones.append(_IPA[key])
        i += len(key)
    return " ".join(phones)


def letters_to_arpabet(word: str) -> str:
    """A rough pronunciation from spelling alone: better than no entry, worse than espeak-ng."""
    phones: list[str] = []
    w = word.lower()
    i = 0
    while i < len(w):
        if w[i] == "e" and i == len(w) - 1 and phones:  # silent final e
            break
        key = next((k for k in _LETTER_KEYS if w.startswith(k, i)), None)
        if key is None:
            i += 1
            continue
        if not phones or phones[-1] != _LETTERS[key]:  # doubled consonants are said once
            phones.append(_LETTERS[key])
        i += len(key)
    return " ".join(phones) or "AH"


def espeak_ipa(words: Sequence[str], voice: str = "en-us", timeout_s: float = 20.0) -> list[str] | None:
    """espeak-ng's IPA for each word (one clause per word keeps the output aligned), or None without it."""
    exe = shutil.which("espeak-ng")
    if exe is None or not words:
        return None
    text = "".join(f"{w}.\n" for w in words)
    try:
        out = subprocess.run(
            [exe, "-q", "--ipa", "-v", voice, "--stdin"],
            input=text,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("espeak-ng failed to give pronunciations: %s", exc)
        return None
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    return lines if len(lines) == len(words) else None


def pronunciations(words: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """ARPAbet pronunciations of every word (first the likeliest), from the overrides, espeak-ng, or the
    spelling."""
    result: dict[str, tuple[str, ...]] = {w: (OVERRIDES[w],) for w in words if w in OVERRIDES}
    rest = [w for w in words if w not in result]
    ipa = espeak_ipa(rest) or [""] * len(rest)
    for word, spoken in zip(rest, ipa, strict=True):
        phones = ipa_to_arpabet(spoken) or letters_to_arpabet(word)
        variants = [phones]
        if "ɾ" in spoken:  # American flap: the CMU dictionary writes T or D, as the spelling has it
            as_t = ipa_to_arpabet(spoken.replace("ɾ", "t"))
            variants.insert(0 if "t" in word and "d" not in word else 1, as_t)
        result[word] = tuple(dict.fromkeys(variants))
    return result
