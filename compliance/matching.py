"""The copy matcher: normalise a text, find the rules' terms and patterns in it, report flags with spans.

Pure Python, no Django: ``RuleBook`` is built from rule dictionaries (the YAML rule sets or a brand's
own rules) and ``RuleBook.check(text, platform=..., category=..., language=...)`` returns ``Hit``s whose
``start``/``end`` index the ORIGINAL text.

Why not a substring search: ad copy dodges filters and Chinese words nest. The text is normalised first,
character by character, keeping a map from each normalised character back to its original index:

* NFKC folds full-width forms (ＮＯ．１ -> NO.1) and compatibility characters, then lower case;
* traditional characters become simplified (OpenCC's character table: 這款 -> 这款, 穩賺 -> 稳赚);
* filler characters (spaces, ``*``, ``·``, ``_``, ``-``, ``.``, ``~``, ``|``, ``/``) are dropped when they
  sit next to a Chinese character, so 最 佳 and 最*佳 read 最佳 (between two Latin letters they stay, so
  English words keep their spaces).

Chinese rules are matched on that compact text, English rules on the text before fillers are dropped.
Terms are found with one Aho-Corasick automaton per lane (all overlapping matches in one pass); a term
that starts or ends with a Latin letter or digit must not continue a longer Latin word or number
(``vx`` is not a hit inside ``novxmas``). A hit that overlaps an allowed word of its rule is dropped:
the rule's ``allow`` list names them (最近, 最后, 第一次, best friend) and a second automaton finds them. Rules may add disguised spellings (``variants``), full
pinyin and mixed hanzi/pinyin spellings of their terms (``pinyin: true``: zui佳, zuijia) and pinyin
initials of chosen words (``pinyin_initials``: 微信 -> wx).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import ahocorasick

ZH = "zh-hans"
EN = "en"
LANGUAGES = (ZH, EN)
BLOCK = "block"
WARN = "warn"
SEVERITIES = (BLOCK, WARN)

_FILLERS = frozenset(" \t\r\n\u00a0\u3000*·•・_-—~|/\\.'\"`^")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _is_latin(ch: str) -> bool:
    return "a" <= ch <= "z"


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


@cache
def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified, one character at a time (OpenCC's TSCharacters dictionary)."""
    import opencc

    table: dict[int, str] = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp:
            table[ord(trad)] = simp.split(" ")[0]
    return table


@lru_cache(maxsize=65536)
def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).translate(_QUOTES).lower().translate(_t2s_table())


@dataclass(frozen=True)
class Normalised:
    """The two lanes of a normalised text and, for each of their characters, its index in the original."""

    light: str
    light_index: tuple[int, ...]
    compact: str
    compact_index: tuple[int, ...]


_FILLER_RUN = re.compile("[" + re.escape("".join(sorted(_FILLERS))) + "]+")


def normalise(text: str) -> Normalised:
    folded = [_fold(ch) for ch in text]
    light = "".join(folded)
    if len(light) == len(text):
        light_index: Sequence[int] = range(len(text))
    else:  # a character folded into several (NFKC: ㎏ -> kg): each keeps its original index
        light_index = [i for i, f in enumerate(folded) for _ in f]
    pieces: list[str] = []
    indexes: list[Sequence[int]] = []
    last = 0
    for run in _FILLER_RUN.finditer(light):
        start, end = run.span()
        before = light[start - 1] if start else ""
        after = light[end] if end < len(light) else ""
        if _is_cjk(before) or _is_cjk(after):  # fillers between Latin words stay
            pieces.append(light[last:start])
            indexes.append(light_index[last:start])
            last = end
    if not pieces:
        return Normalised(light, tuple(light_index), light, tuple(light_index))
    pieces.append(light[last:])
    indexes.append(light_index[last:])
    return Normalised(light, tuple(light_index), "".join(pieces), tuple(itertools.chain.from_iterable(indexes)))


def normalise_phrase(phrase: str, *, compact: bool) -> str:
    n = normalise(phrase.strip())
    return n.compact if compact else n.light


# --- Rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    rule_set: str
    severity: str
    languages: frozenset[str]
    platforms: frozenset[str] = frozenset()  # empty: every platform
    categories: frozenset[str] = frozenset()  # empty: every category
    except_categories: frozenset[str] = frozenset()
    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    reason: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    suggestion: Mapping[str, str] = field(default_factory=dict)
    required: bool = False  # a required disclosure: flagged when NONE of the terms appears

    @property
    def compact_lane(self) -> bool:
        return ZH in self.languages

    def applies(self, *, platform: str | None, category: str | None, language: str | None) -> bool:
        if language and language not in self.languages:
            return False
        if platform and self.platforms and platform not in self.platforms:
            return False
        category = (category or "").strip().lower()
        if category and self.categories and category not in self.categories:
            return False
        return not (category and category in self.except_categories)


def _pinyin_spellings(term: str) -> list[str]:
    """Full pinyin and mixed hanzi/pinyin spellings of a 2-4 character Chinese term (zuijia, zui佳, 最jia)."""
    if not (2 <= len(term) <= 4) or not all(_is_cjk(c) for c in term):
        return []
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(term)
    spellings = []
    for choice in itertools.product((False, True), repeat=len(term)):
        if any(choice):
            spellings.append("".join(s if use else c for c, s, use in zip(term, syllables, choice, strict=True)))
    return spellings


def _pinyin_initials(word: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))


def rule_from_data(data: Mapping, *, rule_set: str) -> Rule:
    """A ``Rule`` from one entry of a rule-set file (see compliance/rules/*.yaml for the fields)."""
    terms = [str(t) for t in data.get("terms") or ()]
    terms += [str(v) for v in data.get("variants") or ()]
    if data.get("pinyin"):
        terms += [s for t in list(terms) for s in _pinyin_spellings(t)]
    terms += [_pinyin_initials(str(w)) for w in data.get("pinyin_initials") or ()]
    return Rule(
        id=str(data["id"]), rule_set=rule_set, severity=str(data["severity"]),
        languages=frozenset(data.get("languages") or LANGUAGES),
        platforms=frozenset(str(p).lower() for p in data.get("platforms") or ()),
        categories=frozenset(str(c).lower() for c in data.get("categories") or ()),
        except_categories=frozenset(str(c).lower() for c in data.get("except_categories") or ()),
        terms=tuple(dict.fromkeys(t for t in terms if t.strip())),
        patterns=tuple(str(p) for p in data.get("patterns") or ()),
        allow=tuple(str(a) for a in data.get("allow") or ()),
        reason=dict(data.get("reason") or {}), source=str(data.get("source") or ""),
        suggestion=dict(data.get("suggestion") or {}), required=bool(data.get("required")),
    )


@dataclass(frozen=True)
class Hit:
    rule: Rule
    start: int  # index in the original text
    end: int  # exclusive
    text: str  # the original text of the span


@dataclass(frozen=True)
class _TermEntry:
    rule_index: int
    length: int
    latin_start: bool
    latin_end: bool
    digit_start: bool
    digit_end: bool


class RuleBook:
    """Compiled rules: two Aho-Corasick automata (compact and light lanes) and the rules' patterns."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.by_id = {r.id: r for r in self.rules}
        self._automata = {True: ahocorasick.Automaton(), False: ahocorasick.Automaton()}
        self._allowed = {True: ahocorasick.Automaton(), False: ahocorasick.Automaton()}
        entries: dict[tuple[bool, str], list[_TermEntry]] = {}
        allowed: dict[tuple[bool, str], list[int]] = {}
        self._patterns: list[tuple[int, re.Pattern]] = []
        for i, rule in enumerate(self.rules):
            lane = rule.compact_lane
            for raw in rule.allow:
                word = normalise_phrase(raw, compact=lane)
                if word:
                    allowed.setdefault((lane, word), []).append(i)
            for raw in rule.terms:
                term = normalise_phrase(raw, compact=lane)
                if term:
                    entries.setdefault((lane, term), []).append(_TermEntry(
                        i, len(term), _is_latin(term[0]), _is_latin(term[-1]), _is_digit(term[0]),
                        _is_digit(term[-1])))
            for pattern in rule.patterns:
                self._patterns.append((i, re.compile(pattern)))
        for (lane, term), found in entries.items():
            self._automata[lane].add_word(term, tuple(found))
        for (lane, word), rule_indexes in allowed.items():
            self._allowed[lane].add_word(word, (len(word), tuple(rule_indexes)))
        for automaton in (*self._automata.values(), *self._allowed.values()):
            if len(automaton):
                automaton.make_automaton()

    @lru_cache(maxsize=512)  # noqa: B019 - books live as long as their rule-set version
    def applicable(self, platform: str | None, category: str | None, language: str | None) -> frozenset[int]:
        return frozenset(i for i, r in enumerate(self.rules)
                         if r.applies(platform=platform, category=category, language=language))

    def _allowed_spans(self, norm: Normalised, wanted: frozenset[int]) -> dict[int, list[tuple[int, int, bool]]]:
        """Where the rules' allowed words occur in the text, per rule index."""
        found: dict[int, list[tuple[int, int, bool]]] = {}
        for lane, string in ((True, norm.compact), (False, norm.light)):
            automaton = self._allowed[lane]
            if len(automaton):
                for end, (length, rule_indexes) in automaton.iter(string):
                    for i in rule_indexes:
                        if i in wanted:
                            found.setdefault(i, []).append((end - length + 1, end + 1, lane))
        return found

    def check(self, text: str, *, platform: str | None = None, category: str | None = None,
              language: str | None = None, normalised: Normalised | None = None,
              required: bool = True) -> list[Hit]:
        """Every rule hit in ``text`` for the given platform code, video category and language (``None``:
        any), ordered by position; overlapping hits of one rule are merged into their union.

        A required disclosure missing from the text is a hit with an empty span (``required=False``
        leaves those out: a video's copy is checked for them once, over all its fields)."""
        if not self.rules:
            return []
        wanted = self.applicable(platform, (category or "").strip().lower() or None, language)
        if not wanted:
            return []
        norm = normalised or normalise(text)
        spans: dict[int, list[tuple[int, int, bool]]] = {}
        for lane, string in ((True, norm.compact), (False, norm.light)):
            automaton = self._automata[lane]
            if len(automaton):
                for end, found in automaton.iter(string):
                    for entry in found:
                        if entry.rule_index in wanted:
                            start = end - entry.length + 1
                            if _accepted(string, start, end + 1, entry):
                                spans.setdefault(entry.rule_index, []).append((start, end + 1, lane))
        for rule_index, pattern in self._patterns:
            if rule_index in wanted:
                lane = self.rules[rule_index].compact_lane
                string = norm.compact if lane else norm.light
                for m in pattern.finditer(string):
                    if m.end() > m.start():
                        spans.setdefault(rule_index, []).append((m.start(), m.end(), lane))
        allowed = self._allowed_spans(norm, wanted) if spans else {}
        hits: list[Hit] = []
        for rule_index, found in spans.items():
            rule = self.rules[rule_index]
            if rule.required:
                continue
            for start, end, lane in _merge(found):
                if any(lane == a_lane and start < a_end and a_start < end
                       for a_start, a_end, a_lane in allowed.get(rule_index, ())):
                    continue  # inside (or overlapping) an allowed word of the rule: 最近, 第一次, best friend
                index = norm.compact_index if lane else norm.light_index
                o_start, o_end = index[start], index[end - 1] + 1
                hits.append(Hit(rule, o_start, o_end, text[o_start:o_end]))
        for rule_index in wanted if required else ():  # required disclosures: a flag when none of the terms was found
            rule = self.rules[rule_index]
            if rule.required and rule_index not in spans:
                hits.append(Hit(rule, 0, 0, ""))
        hits.sort(key=lambda h: (h.start, -h.end, h.rule.id))
        return hits


def _accepted(string: str, start: int, end: int, entry: _TermEntry) -> bool:
    before = string[start - 1] if start > 0 else ""
    after = string[end] if end < len(string) else ""
    if (entry.latin_start and _is_latin(before)) or (entry.digit_start and _is_digit(before)):
        return False
    return not ((entry.latin_end and _is_latin(after)) or (entry.digit_end and _is_digit(after)))


def _merge(spans: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    """Overlapping spans of one rule (in one lane) become their union."""
    merged: list[tuple[int, int, bool]] = []
    for start, end, lane in sorted(spans):
        if merged and merged[-1][2] == lane and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), lane)
        else:
            merged.append((start, end, lane))
    return merged
