"""Injected spam blocks: porn, gambling, lottery and escort advertising planted in a page's text.

Hacked government pages carry blocks of spam that the hidden-HTML stage cannot see (visible link
lists, a stuffed `<title>` copied into the body, paragraphs appended by a compromised CMS). A word
list alone cannot find them: news reports on 扫黄打非 campaigns, court judgements on online casinos
and police warnings about illegal lotteries name the same things. So each line is judged by what it
names *and* how it is built:

- lexicon: the lists in `data/lexicons/` (manifest `spam_lexicons.yaml`: explicit porn terms,
  betting platforms, escort services, illegal sites' domains, porn-title words), matched with one
  Aho-Corasick automaton on a lower-cased, half-width, simplified copy of the text. A line's *mass*
  is the summed weight of the distinct terms it holds, its *coverage* the share of its characters
  inside terms;
- structure: keyword stuffing (`stuffing`: four or more short fragments between `,` `|` `、` `，`
  or spaces, no sentence, or a short line that is nothing but terms), repeated characters (`repeated`:
  久久久久 with other terms), advertisements (`ad`: a betting or porn product next to a call to action
  such as 注册送/官网/加微信, a domain or a contact number), dense term lists in sentence form
  (`lexicon`), an illegal site's domain on a line that is not a sentence (`domain`), and runs of
  short title lines that each stack spam words, one of them more than ordinary title words
  (`title_list`; a title line with a single term inside such a run belongs to it);
- site adverts in one sentence (`ad`): porn or betting words, the site's address and a call such as
  收藏/永久地址/最新网址 make an advert even when the line is a grammatical sentence;
- escort ads (`escort`): a short line, not a sentence, holding an escort term (外围女, 空降酒店,
  全套服务) plus further escort words (weight-1 words such as 上门, 空降, 外围 count only here), with a
  phone, WeChat or QQ contact on the line or on a neighbouring line;
- context: a line holding a word of news and court reports (公安, 依法, 判处, 赌博, 淫秽, 扫黄打非, ...)
  is kept unless it is a dense list of strong terms; advertisements never speak of 赌博 or 淫秽.

A single term in a normal sentence never counts: the thresholds need several distinct terms, or a
strong term with an advertisement's structure. Lines next to a spam block that are not sentences and
carry terms, domains, links or contacts join the block, as do short lines sandwiched between spam lines.
The block is removed (reason `spam_block_<rule>` of its first line) and the article is kept. The
whole document is dropped (`spam_block_mostly_spam`) only when little else is left: fewer than
`min_remaining_han` Han characters (about three sentences) would remain and the spam held at least
`min_spam_share` of the page's Han characters.

Signals (always): `spam_block_lines`, `spam_block_chars`, `spam_block_lexicon_hits` (spam-term
occurrences in the whole text), `spam_block_score` (the highest mass of a line not vetoed by
context). Tag `spam_block_category`: the category (porn, gambling, escort, domain) most removed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from filters.base import Document, Removal, Stage, Verdict
from filters.patterns import simplified_table
from filters.textstats import URL_RE, Line, count_han, ends_sentence, iter_lines, labelled_line_spans

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parents[1] / "data" / "lexicons"
MANIFEST = "spam_lexicons.yaml"
SPAM_CATEGORIES = frozenset({"porn", "gambling", "escort", "domain"})
STRONG_WEIGHT = 3

_FRAGMENT_SPLIT_RE = re.compile(r"[\s,，、|｜/／·•;；_\-—–~～]+")
_SENTENCE_MARKS_RE = re.compile(r"[。！？!?]")
_REPEAT_RE = re.compile(r"([\u4e00-\u9fff])\1{2,}")
_BARE_DOMAIN_RE = re.compile(
    r"(?<![a-z0-9.-])[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\."
    r"(?:com|net|cc|vip|top|xyz|me|tv|co|app|club|fun|live|info|biz|win|bet|casino|la|in|hk|tw|io)(?![a-z0-9])"
)
_CONTACT_RE = re.compile(
    r"(?:qq|扣扣|企鹅|q群|微信|薇信|威信|vx|v信|wx|飞机|tg|telegram)\s*(?:号|群)?\s*[:：]?\s*[a-z0-9_-]{5,}"
    r"|(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"
    r"|(?<!\d)0\d{2,3}[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)"
)
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Upper-case and full-width ASCII folded to lower-case ASCII, one character for one.
_WIDTH_CASE = {code: chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}
_WIDTH_CASE |= {code: chr(code - 0xFEE0).lower() for code in range(0xFF01, 0xFF5F)}
_WIDTH_CASE[0x3000] = " "


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    category: str
    weight: int
    bounded_left: bool  # an ASCII letter or digit starts it: it must not continue a word
    bounded_right: bool


@dataclass(slots=True)
class _LineFacts:
    line: Line
    folded: str
    shaped: bool = False  # contact, sentence, stuffed and title are computed
    chars: int = 0
    mass: int = 0
    heaviest: int = 0  # weight of the heaviest spam term
    strong: int = 0
    cta: int = 0
    coverage: float = 0.0
    context: bool = False
    contact: bool = False
    link: bool = False  # a URL or a host name (a subset of contact)
    escort: int = 0  # mass of the escort terms alone
    escort_heaviest: int = 0
    domain: bool = False
    repeat: bool = False
    stuffed: bool = False
    sentence: bool = False
    title: bool = False
    hits: int = 0
    categories: Counter[str] = field(default_factory=Counter)


class SpamBlock(Stage):
    name = "spam_block"

    def __init__(
        self,
        lexicon_dir: str | None = None,
        min_mass: int = 4,
        min_coverage: float = 0.3,
        min_ad_score: int = 5,
        min_dense_mass: int = 9,
        min_dense_coverage: float = 0.25,
        min_site_ad_coverage: float = 0.15,
        min_title_run: int = 3,
        max_title_chars: int = 40,
        min_remaining_han: int | None = 100,
        min_spam_share: float = 0.5,
    ) -> None:
        self.min_mass = min_mass
        self.min_coverage = min_coverage
        self.min_ad_score = min_ad_score
        self.min_dense_mass = min_dense_mass
        self.min_dense_coverage = min_dense_coverage
        self.min_site_ad_coverage = min_site_ad_coverage
        self.min_title_run = min_title_run
        self.max_title_chars = max_title_chars
        self.min_remaining_han = min_remaining_han
        self.min_spam_share = min_spam_share
        self._fold = simplified_table() | _WIDTH_CASE
        self._automaton = self._build(Path(lexicon_dir) if lexicon_dir else DEFAULT_LEXICON_DIR)

    def _build(self, directory: Path) -> ahocorasick.Automaton:
        manifest: dict[str, Any] = yaml.safe_load((directory / MANIFEST).read_text(encoding="utf-8"))
        automaton = ahocorasick.Automaton()
        for spec in manifest["lists"]:
            lines = (directory / spec["file"]).read_text(encoding="utf-8").splitlines()
            for raw in lines:
                text = raw.strip().translate(self._fold)
                if len(text) < 2 or text.startswith("#"):
                    continue
                term = _Term(
                    text,
                    spec["category"],
                    int(spec["weight"]),
                    text[0] in _ASCII_WORD,
                    text[-1] in _ASCII_WORD,
                )
                existing = automaton.get(text, None)
                # A term in two lists keeps the heavier entry; context beats everything.
                if (
                    existing is None
                    or term.category == "context"
                    or (existing.category != "context" and term.weight > existing.weight)
                ):
                    automaton.add_word(text, term)
        automaton.make_automaton()
        return automaton

    # -- facts per line -----------------------------------------------------------------------

    def _hits(self, folded: str) -> list[tuple[int, int, _Term]]:
        hits: list[tuple[int, int, _Term]] = []
        length = len(folded)
        for last, term in self._automaton.iter_long(folded):
            start = last - len(term.text) + 1
            if term.bounded_left and start > 0 and folded[start - 1] in _ASCII_WORD:
                continue
            if term.bounded_right and last + 1 < length and folded[last + 1] in _ASCII_WORD:
                continue
            hits.append((start, last + 1, term))
        return hits

    def _facts(self, line: Line, folded: str, hits: list[tuple[int, int, _Term]]) -> _LineFacts:
        facts = _LineFacts(line, folded)
        text = line.text
        facts.chars = len("".join(text.split()))
        if facts.chars == 0:
            return facts
        distinct: dict[str, _Term] = {}
        covered = 0
        for start, end, term in hits:
            if term.category == "context":
                facts.context = True
                continue
            covered += end - start
            distinct[term.text] = term
            if term.category in SPAM_CATEGORIES:
                facts.hits += 1
                facts.categories[term.category] += 1
        for term in distinct.values():
            if term.category == "cta":
                facts.cta += 1
                continue
            if term.category == "escort":
                facts.escort += term.weight
                facts.escort_heaviest = max(facts.escort_heaviest, term.weight)
                if term.weight < 2:
                    continue  # 上门, 空降, 外围: escort words only next to an escort term and a contact
            facts.mass += term.weight
            facts.heaviest = max(facts.heaviest, term.weight)
            facts.strong += term.weight >= STRONG_WEIGHT
            facts.domain |= term.category == "domain"
        facts.coverage = covered / facts.chars
        facts.repeat = _REPEAT_RE.search(text) is not None
        if facts.mass > 0 or facts.chars <= 12:
            self._shape(facts)
        return facts

    def _shape(self, facts: _LineFacts) -> _LineFacts:
        """Fill in the line's shape; computed only for lines some rule may look at."""
        if facts.shaped:
            return facts
        facts.shaped = True
        text, folded = facts.line.text, facts.folded
        facts.link = bool(URL_RE.search(folded) or _BARE_DOMAIN_RE.search(folded))
        facts.contact = facts.link or bool(_CONTACT_RE.search(folded))
        marks = len(_SENTENCE_MARKS_RE.findall(text))
        facts.sentence = count_han(text) >= 10 and (marks > 0 or ends_sentence(text))
        fragments = [piece for piece in _FRAGMENT_SPLIT_RE.split(text) if piece]
        facts.stuffed = len(fragments) >= 4 and sum(map(len, fragments)) / len(fragments) <= 10 and marks <= 1
        facts.title = not facts.sentence and facts.chars <= self.max_title_chars
        return facts

    def _vetoed(self, facts: _LineFacts) -> bool:
        """Context words keep a line unless it is a dense list of strong terms."""
        return facts.context and not (facts.strong >= 3 and facts.coverage >= 0.5)

    def _core_rule(self, facts: _LineFacts) -> str | None:
        """Which rule makes this line spam on its own, or None."""
        if facts.mass == 0 or self._vetoed(facts):
            return None
        if facts.repeat and facts.mass >= 2 and not facts.sentence:
            return "repeated"
        if facts.domain and not facts.sentence:
            return "domain"
        ad_score = facts.mass + facts.cta + (2 if facts.contact else 0)
        if facts.strong and (facts.cta or facts.contact) and ad_score >= self.min_ad_score:
            return "ad"
        if self._site_ad(facts):
            return "ad"
        stuffed = facts.stuffed or facts.title
        if stuffed and facts.mass >= self.min_mass and facts.coverage >= self.min_coverage:
            return "stuffing"
        if facts.mass >= self.min_dense_mass and facts.coverage >= self.min_dense_coverage:
            return "lexicon"
        return None

    def _site_ad(self, facts: _LineFacts) -> bool:
        """A sentence sending readers to a porn or betting site: product words, its address, a call.

        One grammatical sentence (`…每日更新…请收藏本站网址 xx.tv`) escapes the structure rules; the
        address together with a call to action (收藏, 永久地址, 最新网址) is what makes it an advert.
        """
        return (
            facts.link
            and facts.cta > 0
            and facts.heaviest >= 2
            and facts.mass >= self.min_mass
            and facts.coverage >= self.min_site_ad_coverage
        )

    def _escort_ad(self, facts: _LineFacts, neighbours: list[_LineFacts]) -> bool:
        """A short escort-ad line: a service term, other escort words and a contact on it or next to it."""
        if facts.escort < 3 or facts.escort_heaviest < 2 or facts.sentence or self._vetoed(facts):
            return False
        self._shape(facts)
        if facts.sentence:
            return False
        return facts.contact or any(
            self._shape(other).contact and not other.sentence and not self._vetoed(other)
            for other in neighbours
        )

    def _mark_escort_ads(self, facts: list[_LineFacts], rules: list[str | None]) -> None:
        for index, item in enumerate(facts):
            if rules[index] is None and item.escort:
                neighbours = facts[max(0, index - 1) : index] + facts[index + 1 : index + 2]
                if self._escort_ad(item, neighbours):
                    rules[index] = "escort"

    def _title_candidate(self, facts: _LineFacts) -> bool:
        return (
            facts.title
            and not self._vetoed(facts)
            and (facts.mass >= 2 or (facts.repeat and facts.mass >= 1))
        )

    def _weak_title(self, facts: _LineFacts) -> bool:
        """A title line with a single spam term: a member of a title list, never one on its own."""
        return facts.title and facts.mass >= 1 and not self._vetoed(facts)

    def _joins_block(self, facts: _LineFacts) -> bool:
        """A neighbour of a spam line that belongs to the block: spam words, links or contacts, no sentence."""
        if facts.chars == 0 or self._vetoed(facts):
            return False
        self._shape(facts)
        if facts.sentence and facts.coverage < 0.2:
            return False
        return facts.mass >= 2 or facts.domain or facts.repeat or (facts.contact and not facts.sentence)

    # -- judging ------------------------------------------------------------------------------

    def judge(self, doc: Document) -> Verdict:
        text = doc.text
        if not text.strip():
            return Verdict(signals=_signals(0, 0, 0, 0))
        folded = text.translate(self._fold)
        lines = iter_lines(text)
        starts = [line.start for line in lines]
        per_line: list[list[tuple[int, int, _Term]]] = [[] for _ in lines]
        for start, end, term in self._hits(folded):
            index = bisect_right(starts, start) - 1
            line = lines[index]
            per_line[index].append((start - line.start, min(end, line.end) - line.start, term))
        facts = [
            self._facts(line, folded[line.start : line.end], hits)
            for line, hits in zip(lines, per_line, strict=True)
        ]
        rules: list[str | None] = [self._core_rule(item) for item in facts]
        self._mark_escort_ads(facts, rules)
        self._mark_title_runs(facts, rules)
        self._extend_blocks(facts, rules)
        _one_reason_per_block(rules)

        removals = [
            Removal(start, end, self.reason(rule)) for start, end, rule in labelled_line_spans(lines, rules)
        ]
        removed_chars = sum(removal.end - removal.start for removal in removals)
        spam_lines = sum(rule is not None for rule in rules)
        score = max((item.mass for item in facts if not self._vetoed(item)), default=0)
        verdict = Verdict(
            removals=removals,
            signals=_signals(spam_lines, removed_chars, sum(item.hits for item in facts), score),
        )
        if removals:
            categories: Counter[str] = Counter()
            for item, rule in zip(facts, rules, strict=True):
                if rule is not None:
                    categories.update(item.categories)
            if categories:
                verdict.tags["spam_block_category"] = categories.most_common(1)[0][0]
            if self._mostly_spam(facts, rules):
                verdict.drop = self.reason("mostly_spam")
        return verdict

    def _mostly_spam(self, facts: list[_LineFacts], rules: list[str | None]) -> bool:
        if self.min_remaining_han is None:
            return False
        spam_han = kept_han = 0
        for item, rule in zip(facts, rules, strict=True):
            if rule is None:
                kept_han += count_han(item.line.text)
            else:
                spam_han += count_han(item.line.text)
        total = spam_han + kept_han
        return kept_han < self.min_remaining_han and total > 0 and spam_han >= self.min_spam_share * total

    def _mark_title_runs(self, facts: list[_LineFacts], rules: list[str | None]) -> None:
        """Runs of short lines that each stack spam words: a list of porn or betting titles."""
        run: list[int] = []
        members = 0  # lines of the run that stack spam words; the others hold one weak term
        for index in range(len(facts) + 1):
            if index < len(facts) and (self._title_candidate(facts[index]) or rules[index]):
                run.append(index)
                members += 1
                continue
            if index < len(facts) and run and self._weak_title(facts[index]):
                run.append(index)
                continue
            # Ordinary title words alone (高清, 在线观看 on a list of films) do not make a porn list.
            while run and not (self._title_candidate(facts[run[-1]]) or rules[run[-1]]):
                run.pop()  # a run ends on a line that stacks spam words
            strong_list = any(facts[i].heaviest >= 2 or facts[i].repeat for i in run)
            if members >= self.min_title_run and strong_list:
                for member in run:
                    rules[member] = rules[member] or "title_list"
            run = []
            members = 0

    def _extend_blocks(self, facts: list[_LineFacts], rules: list[str | None]) -> None:
        """Grow each spam block over neighbours that belong to it and short lines between blocks."""
        count = len(facts)
        for index in range(1, count):
            if rules[index] is None and rules[index - 1] is not None and self._joins_block(facts[index]):
                rules[index] = rules[index - 1]
        for index in range(count - 2, -1, -1):
            if rules[index] is None and rules[index + 1] is not None and self._joins_block(facts[index]):
                rules[index] = rules[index + 1]
        for index in range(1, count - 1):
            item = facts[index]
            if (
                rules[index] is None
                and rules[index - 1]
                and rules[index + 1]
                and item.title
                and item.chars <= 12
            ):
                rules[index] = rules[index - 1]


def _signals(lines: int, chars: int, hits: int, score: int) -> dict[str, float | int]:
    return {
        "spam_block_lines": lines,
        "spam_block_chars": chars,
        "spam_block_lexicon_hits": hits,
        "spam_block_score": score,
    }


def _one_reason_per_block(rules: list[str | None]) -> None:
    """A block of adjacent spam lines is one removal, named after its first line's rule."""
    for index in range(1, len(rules)):
        if rules[index] is not None and rules[index - 1] is not None:
            rules[index] = rules[index - 1]
