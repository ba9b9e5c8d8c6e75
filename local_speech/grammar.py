"""JSGF grammars for the recognizer, generated from a catalogue.

One grammar per kind of prompt (``free``, ``yes_no``, ``quantity``, ``digits``, ``item``, plus ``choice`` grammars
built on demand): the recognizer is biased to what the dialogue expects, and every grammar still accepts the
commands that must always work ("cancel", "say again", "help", "stop"). The grammars only constrain which word
sequences can be heard; turning words into intents and numbers is the dialogue's job."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from local_speech.types import Expectation, VocabularyEntry

GRAMMAR_KINDS = ("free", "yes_no", "quantity", "digits", "item")

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen")  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS = frozenset((*_ONES, *_TEENS, *_TENS, "hundred", "thousand", "oh", "dozen", "half"))
_LETTERS = tuple("abcdefghijklmnopqrstuvwxyz")  # the CMU dictionary has each letter's name under the letter
_SYMBOLS = {"&": " and ", "+": " plus ", "%": " percent ", "#": " number ", "/": " "}
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
_DIGIT_RUN = re.compile(r"\d+")


def spoken_number(n: int) -> str:
    """0-999,999 in plain words ("one hundred twenty"): how a catalogue name's digits are spoken."""
    if n < 0 or n >= 1_000_000:
        raise ValueError(f"{n} is out of range")
    if n < 10:
        return _ONES[n]
    if n < 20:
        return _TEENS[n - 10]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens - 2] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {spoken_number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{spoken_number(thousands)} thousand" + (f" {spoken_number(rest)}" if rest else "")


def normalize_phrase(text: str) -> str:
    """How a written name or transcript is compared and put into a grammar: lower case, words only, digits
    spoken ("M8 Bolts" -> "m eight bolts", "half-inch" -> "half inch")."""
    text = text.lower()
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)
    text = _DIGIT_RUN.sub(lambda m: f" {spoken_number(int(m.group()[:6]))} ", text)
    text = _NON_WORD.sub(" ", text.replace("-", " "))
    words = [w.strip("'") for w in text.split()]
    return " ".join(w for w in words if w)


def spoken_code(code: str) -> str:
    """A SKU or bin code as it is read aloud: letters by name, digits one by one ("FAS-1001" -> "f a s one
    zero zero one")."""
    out: list[str] = []
    for ch in code.lower():
        if ch.isdigit():
            out.append(_ONES[int(ch)])
        elif ch in _LETTERS:
            out.append(ch)
    return " ".join(out)


def choice_search_name(phrases: Sequence[str]) -> str:
    digest = hashlib.sha1("\n".join(phrases).encode()).hexdigest()[:12]
    return f"choice_{digest}"


def search_name(expect: Expectation) -> str:
    """The grammar that serves a prompt. ``choice`` without phrases falls back to ``item``."""
    if expect.kind == "choice":
        return choice_search_name(expect.phrases) if expect.phrases else "item"
    return expect.kind


# --- shared rules ------------------------------------------------------------------------------------------

_NUMBER_RULES = f"""
<d1> = {" | ".join(_ONES[1:])};
<d0> = zero | oh | <d1>;
<teen> = {" | ".join(_TEENS)};
<tens> = {" | ".join(_TENS)};
<n10_99> = <teen> | <tens> [<d1>];
<n1_99> = <d1> | <n10_99>;
<hundreds> = (a | <d1> | <n10_99>) hundred [[and] <n1_99>];
<n1_999> = <n1_99> | <hundreds>;
<thousands> = (a | <n1_999>) thousand [[and] <n1_999>];
<paired> = <d1> (<n10_99> | oh <d1>) | <n10_99> (<n10_99> | oh <d1>);
<digit_run> = <d0> <d0> [<d0> [<d0> [<d0>]]];
<number> = zero | none | <n1_999> | <thousands> | <paired> | <digit_run>;
<quantity> = <number> [and a half] | [a | <n1_99>] dozen | half a dozen | half a | a;
<unit> = each | eaches | unit | units | piece | pieces | case | cases | box | boxes | pack | packs
       | carton | cartons | pallet | pallets | roll | rolls;
<amount> = <quantity> [<unit>];
<digits> = <d0> [<d0> [<d0> [<d0> [<d0> [<d0>]]]]];
<letter> = {" | ".join(_LETTERS)};
<bin> = bin <letter> (<d0> | <n10_99>) [<d0> | <n10_99>] [<d0> | <n10_99>];
"""

_COMMAND_RULES = """
<cancel> = cancel [that | it | the order] | stop | never mind | forget it | scratch that;
<repeat> = say again | say that again | repeat [that] | come again | pardon | what did you say;
<help> = help | what can i say | what can you do;
<bye> = goodbye | bye | [that's all] thanks bye | that's all | i'm done | thank you goodbye;
<command> = <cancel> | <repeat> | <help> | <bye>;
<yes> = yes | yeah | yep | yes please | correct | that's right | confirm | affirmative | go ahead | okay;
<no> = no | nope | negative | that's wrong | wrong;
"""

# Carrier phrases of the dialogue's intents. Decoding time grows with every copy of the catalogue that a grammar
# holds, so intents share three shapes, each with one copy of <ref> (an item or a reference to the last one):
#   <lead_ref> <ref> [<tail_ref>]           check stock, where, reorder advice, forecast, supplier, order status
#   [<lead_amount>] <amount> [[of] <ref>]   order, receive, pick, count, minimum, corrections, bare quantities
#   <lead_set> <ref> <to> <amount>          count for X is 48, set X to 48, minimum for X is 40
_INTENT_RULES = """
<ref> = [the] <item> | it | that | that one | them | those | this one;
<lead_ref> = how many | how much | stock (on | of | for) | [what's the] stock level (on | of | for)
  | (is | are) there any | do we have [any] | check [stock on] | [what's the] on hand (for | of)
  | where (is | are) | where do we keep | where can i find | which bin (is | are) | location of
  | do (i | we) need to (reorder | order) [more] | should (i | we) reorder | when should (i | we) reorder
  | reorder advice for | reorder | order [some] more | [i] (picked | took)
  | [what's the] forecast (for | on) | what's the demand (for | on)
  | who (supplies | sells) | [who's the] supplier (for | of) | [what's the] price (of | on | for)
  | how much (is | are | does) | what does | [what's the] status of (my | the | our) order for
  | order status for | where is (my | the) order for | has the order for | when will
  | <no> [i meant | i said];
<have> = do we have | have we got | are there | are | is;
<tail_ref> = [<have>] [left] [in stock] [<at_site>] | in | will we (sell | use | need) <period> | cost
  | shipped | arrived | arrive | from <bin>;
<period> = next (week | month | quarter) | this (week | month) | in the next <n1_99> days;
<lead_amount> = [please] order | reorder | place an order for | buy | [we] (received | got | receive) | receiving
  | [a] delivery of | [i] (picked | took | pick) | [i] counted | there are | keep at least
  | <no> [make it | i said] | make it | i said | actually | set it to;
<tail_amount> = from <bin> | in stock | <at_site>;
<lead_set> = [the] count (for | on) | set [the minimum (for | on)] | [the] minimum (for | on) | never let;
<to> = is | to | go below;
<general> = what's running low | what is running low | what are we low on | is anything running low
  | [show] low stock [report] | what's low | what should (i | we) (order | reorder) | reorder advice
  | [what's the] status of (my | the | our) order | order status | where is my order;
<by_ref> = [<lead_ref>] <ref> [<tail_ref>];
<by_amount> = [<lead_amount>] <amount> [[of] <ref>] [<tail_amount>];
<by_set> = <lead_set> <ref> <to> <amount>;
<correction> = (<no> [make it | i said] | make it | i said | actually) <amount> [of <ref>]
  | <no> [i meant | i said] <item>;
<sku_phrase> = [sku | item number | part number | item] <sku>;
<check_digits> = [check digits | check] <digits>;
"""

_EXPECTED = {
    "free": "<by_ref> | <by_amount> | <by_set> | <general> | <yes> | <no> | <check_digits> | <sku_phrase>",
    "yes_no": "<yes> | <no> | <correction>",
    "quantity": "[<no>] [make it | i said | actually] <amount> [of <ref>]",
    "digits": "<check_digits>",
    "item": "[the] <item> | <sku_phrase>",
}


@dataclass(frozen=True)
class GrammarSet:
    """Every grammar compiled from one catalogue. ``version`` changes whenever the catalogue's words do."""

    version: str
    grammars: Mapping[str, str]  # search name -> JSGF text
    words: frozenset[str]
    names: tuple[str, ...] = ()
    """The catalogue's spoken item names (an open recognizer is prompted with them)."""

    def choice(self, phrases: Sequence[str]) -> tuple[str, str]:
        """The search name and JSGF text of a grammar for a ``choice`` prompt."""
        return choice_search_name(phrases), choice_grammar(phrases)


_Trie = dict[str, "_Trie"]  # word -> the words that follow it; "" marks the end of a phrase


def _alternatives(phrases: Iterable[str]) -> str:
    """JSGF alternatives factored as a prefix tree: "(half inch (hex bolts | nuts) | pallet wrap)". The decoder
    then tries each shared first word once instead of once per name."""
    tree: _Trie = {}
    for phrase in phrases:
        node = tree
        for word in phrase.split():
            node = node.setdefault(word, {})
        if phrase.split():
            node[""] = {}
    return _render(tree) if tree else "<VOID>"


def _render(node: _Trie) -> str:
    alts = []
    for word in sorted(w for w in node if w):
        child = node[word]
        rest = {w: c for w, c in child.items() if w}
        if not rest:
            alts.append(word)
        elif "" in child:
            alts.append(f"{word} [{_render(rest)}]")
        else:
            alts.append(f"{word} {_render(rest)}")
    return alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")"


def _grammar(name: str, body: str, rules: str) -> str:
    return (
        f"#JSGF V1.0;\ngrammar {name};\npublic <utterance> = [please] ({body}) [please] | <command>;\n{rules}"
    )


def item_phrases(items: Sequence[VocabularyEntry]) -> tuple[list[str], list[str]]:
    """The spoken names (names and aliases) and spoken SKUs of a catalogue."""
    names: list[str] = []
    skus: list[str] = []
    for item in items:
        names.extend(normalize_phrase(n) for n in (item.name, *item.aliases))
        code = spoken_code(item.sku)
        digits = spoken_code(re.sub(r"\D", "", item.sku))
        skus.extend(p for p in {code, digits} if p)
    return names, skus


def build_grammars(items: Sequence[VocabularyEntry], sites: Sequence[str] = ()) -> GrammarSet:
    """The grammar of every prompt kind for this catalogue (and optional site names for "at the east annex")."""
    names, skus = item_phrases(items)
    site_phrases = [normalize_phrase(s) for s in sites]
    catalogue_rules = (
        f"<item> = {_alternatives(names)};\n<sku> = {_alternatives(skus)};\n"
        f"<at_site> = {'(at | in) [the] (' + _alternatives(site_phrases) + ')' if site_phrases else '<VOID>'};\n"
    )
    rules = _NUMBER_RULES + _COMMAND_RULES + _INTENT_RULES + catalogue_rules
    grammars = {kind: _grammar(kind, _EXPECTED[kind], rules) for kind in GRAMMAR_KINDS}
    words = frozenset(grammar_words(rules))
    version = hashlib.sha1(rules.encode()).hexdigest()[:16]
    return GrammarSet(version=version, grammars=grammars, words=words, names=tuple(dict.fromkeys(names)))


def choice_grammar(phrases: Sequence[str]) -> str:
    """A grammar for picking one of ``phrases`` (by name or by position) or saying a command."""
    spoken = [normalize_phrase(p) for p in phrases]
    ordinals = ("first", "second", "third", "fourth", "fifth", "sixth")[: max(1, len(spoken))]
    rules = (
        _COMMAND_RULES
        + _NUMBER_RULES
        + f"<choice> = {_alternatives(spoken)};\n<ordinal> = {' | '.join(ordinals)};\n"
    )
    body = "[the] <choice> | [the] <ordinal> [one] | number <d1> | <yes> | <no>"
    return _grammar("choice", body, rules)


def commands_grammar() -> str:
    """The commands and yes/no alone: an open request is fitted to these to mend a near miss ("save it again")."""
    return _grammar("commands", "<yes> | <no>", _COMMAND_RULES)


def leads_grammar() -> str:
    """The carrier words that open a request ("how many", "we picked", "the count on"): a transcript's first
    words are fitted to these to mend a misheard verb ("big thirty" -> "pick thirty")."""
    rules = (
        _NUMBER_RULES
        + _COMMAND_RULES
        + _INTENT_RULES
        + "<item> = <VOID>;\n<sku> = <VOID>;\n<at_site> = <VOID>;\n"
    )
    body = "<lead_ref> | <lead_amount> | <lead_set> | <general>"
    return f"#JSGF V1.0;\ngrammar leads;\npublic <utterance> = [please] ({body});\n{rules}"


def names_grammar(names: Sequence[str]) -> str:
    """A grammar of the catalogue's item names alone (spans of open transcripts are fitted to it)."""
    return f"#JSGF V1.0;\ngrammar names;\npublic <name> = {_alternatives(names)};\n"


def grammar_words(jsgf: str) -> set[str]:
    """The words a grammar text can produce (every token that is not syntax)."""
    body = re.sub(r"#JSGF[^;]*;|grammar \w+;|public", " ", jsgf)
    body = re.sub(r"<[\w]+>|/[\d.]+/", " ", body)
    return {w for w in re.split(r"[\s|()\[\];=*+]+", body) if w and w != "VOID"}
