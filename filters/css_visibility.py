"""Which CSS declarations hide an element, and the small subset of CSS that hacked pages use to say so.

Used by the `hidden_html` stage. It understands inline `style` attributes and `<style>` sheets with
type, class and id selectors, compound selectors (`div.a.b#c`) and descendant/child chains
(`.box a`, `#x > p`); selectors with pseudo-classes, attribute tests or sibling combinators are
skipped (they describe states such as `:hover`, not what the page shows when it loads). Rules inside
conditional `@media` queries (`max-width`, `print`) are skipped on purpose: responsive classes such as
Bootstrap's `hidden-xs` hide things on some screens only, and the text is visible on others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Properties that can hide an element; everything else in a declaration block is ignored.
RELEVANT = frozenset(
    {
        "display",
        "visibility",
        "opacity",
        "filter",
        "font-size",
        "font",
        "height",
        "max-height",
        "width",
        "max-width",
        "overflow",
        "overflow-x",
        "overflow-y",
        "position",
        "left",
        "top",
        "right",
        "margin-left",
        "margin-top",
        "text-indent",
        "clip",
        "clip-path",
    }
)

_COMMENT_RE = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
_BLOCK_RE = re.compile(r"[{};]")
_IMPORTANT_RE = re.compile(r"\s*!\s*important\s*$")
_LENGTH_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(px|em|rem|pt|pc|%|vw|vh|cm|mm|in|ex|ch)?$")
_COMPOUND_RE = re.compile(r"^(\*|[a-zA-Z][a-zA-Z0-9-]*)?((?:[.#][\w-]+)*)$")
_SIMPLE_PART_RE = re.compile(r"[.#][\w-]+")
_FONT_ZERO_RE = re.compile(r"(?:^|\s)0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:/|\s|$)")
_ZERO_CLIP_RE = re.compile(r"rect\((?:[01](?:px)?){4}\)")
_PX_PER_UNIT = {"px": 1.0, "": 1.0, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0, "pt": 4 / 3, "pc": 16.0}
_PX_PER_UNIT |= {"cm": 37.8, "mm": 3.78, "in": 96.0}

Declarations = dict[str, tuple[str, bool]]  # property -> (lower-cased value, !important)


def parse_declarations(block: str) -> Declarations:
    """The relevant declarations of a `style` attribute or rule body."""
    declarations: Declarations = {}
    for item in block.split(";"):
        prop, colon, value = item.partition(":")
        if not colon:
            continue
        prop = prop.strip().lower()
        if prop not in RELEVANT:
            continue
        value = value.strip().lower()
        important = False
        if "!" in value:
            stripped = _IMPORTANT_RE.sub("", value)
            important = stripped != value
            value = stripped
        if prop in declarations and declarations[prop][1] and not important:
            continue  # an earlier !important declaration in the same block wins
        declarations[prop] = (value, important)
    return declarations


@dataclass(frozen=True, slots=True)
class Compound:
    tag: str | None
    id: str | None
    classes: frozenset[str]

    def matches(self, tag: str, element_id: str | None, classes: frozenset[str]) -> bool:
        return (
            (self.tag is None or self.tag == tag)
            and (self.id is None or self.id == element_id)
            and self.classes <= classes
        )

    def tokens(self) -> list[str]:
        """Keys that must be present among the ancestors for this compound to match one of them."""
        found = [f".{name}" for name in self.classes]
        if self.id is not None:
            found.append(f"#{self.id}")
        if self.tag is not None:
            found.append(self.tag)
        return found


@dataclass(frozen=True, slots=True)
class Rule:
    ancestors: tuple[Compound, ...]
    subject: Compound
    specificity: tuple[int, int, int]
    order: int
    declarations: Declarations

    @property
    def key(self) -> str:
        if self.subject.id is not None:
            return f"#{self.subject.id}"
        if self.subject.classes:
            return f".{min(self.subject.classes)}"
        return self.subject.tag or "*"


def parse_compound(text: str) -> Compound | None:
    match = _COMPOUND_RE.match(text)
    if match is None or not text:
        return None
    tag = match.group(1)
    ids = [part[1:] for part in _SIMPLE_PART_RE.findall(match.group(2)) if part[0] == "#"]
    classes = frozenset(part[1:] for part in _SIMPLE_PART_RE.findall(match.group(2)) if part[0] == ".")
    if len(set(ids)) > 1:
        return None
    return Compound(None if tag in (None, "*") else tag.lower(), ids[0] if ids else None, classes)


def parse_selector(text: str) -> tuple[tuple[Compound, ...], Compound, tuple[int, int, int]] | None:
    """A selector as (ancestor compounds, subject compound, specificity), or None if unsupported."""
    if any(char in text for char in ":[+~()\\"):
        return None
    parts = text.replace(">", " ").split()
    compounds = [parse_compound(part) for part in parts]
    if not compounds or any(compound is None for compound in compounds):
        return None
    valid = [compound for compound in compounds if compound is not None]
    specificity = (
        sum(compound.id is not None for compound in valid),
        sum(len(compound.classes) for compound in valid),
        sum(compound.tag is not None for compound in valid),
    )
    return tuple(valid[:-1]), valid[-1], specificity


def _unconditional_media(prelude: str) -> bool:
    query = prelude[len("@media") :].strip().lower()
    if "(" in query or "print" in query or "speech" in query:
        return False
    return query in ("", "all", "screen") or query.replace(" ", "") in ("screen,all", "all,screen")


def parse_stylesheet(css: str, first_order: int = 0) -> list[Rule]:
    """The rules of a style sheet that set at least one relevant property and apply on load."""
    css = _COMMENT_RE.sub(" ", css)
    rules: list[Rule] = []
    active_stack: list[bool] = []
    prelude_start = 0
    pos = 0
    order = first_order
    while True:
        match = _BLOCK_RE.search(css, pos)
        if match is None:
            break
        char = match.group()
        if char == ";":
            prelude_start = pos = match.end()
            continue
        if char == "}":
            if active_stack:
                active_stack.pop()
            prelude_start = pos = match.end()
            continue
        prelude = css[prelude_start : match.start()].strip()
        active = all(active_stack)
        if prelude.startswith("@"):
            is_media = prelude.lower().startswith("@media")
            active_stack.append(active and is_media and _unconditional_media(prelude))
            prelude_start = pos = match.end()
            continue
        close = css.find("}", match.end())
        if close == -1:
            close = len(css)
        if active:
            declarations = parse_declarations(css[match.end() : close])
            if declarations:
                for selector_text in prelude.split(","):
                    parsed = parse_selector(selector_text.strip())
                    if parsed is not None:
                        rules.append(Rule(parsed[0], parsed[1], parsed[2], order, declarations))
                        order += 1
        prelude_start = pos = close + 1
    return rules


class StyleSheet:
    """Rules indexed by the key of their subject compound, for fast matching per element."""

    def __init__(self, rules: list[Rule]) -> None:
        self.by_key: dict[str, list[Rule]] = {}
        for rule in rules:
            self.by_key.setdefault(rule.key, []).append(rule)
        self.has_ancestor_rules = any(rule.ancestors for rule in rules)

    def __bool__(self) -> bool:
        return bool(self.by_key)

    def matching(
        self, tag: str, element_id: str | None, classes: frozenset[str], ancestors: dict[str, int]
    ) -> list[Rule]:
        """Rules whose subject matches the element and whose ancestor compounds are (roughly) open.

        Ancestors are checked against counts of open tags, ids and classes: a chain matches when
        each of its compounds' parts is present on some open element (not necessarily the same one).
        """
        candidates: list[Rule] = []
        if element_id is not None:
            candidates.extend(self.by_key.get(f"#{element_id}", ()))
        for name in classes:
            candidates.extend(self.by_key.get(f".{name}", ()))
        candidates.extend(self.by_key.get(tag, ()))
        candidates.extend(self.by_key.get("*", ()))
        return [
            rule
            for rule in candidates
            if rule.subject.matches(tag, element_id, classes)
            and all(ancestors.get(token, 0) > 0 for compound in rule.ancestors for token in compound.tokens())
        ]


def cascade(rules: list[Rule], inline: Declarations) -> dict[str, str]:
    """The winning value of each relevant property: !important, then inline, specificity, order."""
    best: dict[str, tuple[tuple[bool, bool, tuple[int, int, int], int], str]] = {}
    for rule in rules:
        for prop, (value, important) in rule.declarations.items():
            priority = (important, False, rule.specificity, rule.order)
            if prop not in best or priority > best[prop][0]:
                best[prop] = (priority, value)
    for prop, (value, important) in inline.items():
        priority = (important, True, (0, 0, 0), 0)
        if prop not in best or priority > best[prop][0]:
            best[prop] = (priority, value)
    return {prop: value for prop, (_, value) in best.items()}


def length_px(value: str | None) -> float | None:
    """A CSS length in CSS pixels (em counted as 16px); None for percentages, keywords and junk."""
    if not value:
        return None
    match = _LENGTH_RE.match(value.strip())
    if match is None:
        return None
    unit = match.group(2) or ""
    if unit not in _PX_PER_UNIT:
        return None
    return float(match.group(1)) * _PX_PER_UNIT[unit]


def _far_negative(value: str | None, threshold_px: float) -> bool:
    if not value:
        return False
    pixels = length_px(value)
    if pixels is not None:
        return pixels <= -threshold_px
    match = _LENGTH_RE.match(value.strip())
    return match is not None and match.group(2) in ("%", "vw", "vh") and float(match.group(1)) <= -100


def _opacity_zero(props: dict[str, str]) -> bool:
    opacity = props.get("opacity")
    if opacity is not None:
        try:
            return float(opacity) <= 0.0
        except ValueError:
            pass
    css_filter = props.get("filter", "")
    return "opacity=0)" in css_filter.replace(" ", "")


def hard_hidden_reason(props: dict[str, str], offscreen_px: float) -> str | None:
    """Why an element and everything in it is invisible, or None. Children cannot undo these."""
    if props.get("display") == "none":
        return "display_none"
    if _opacity_zero(props):
        return "transparent"
    clipped = any(props.get(key) in ("hidden", "clip") for key in ("overflow", "overflow-x", "overflow-y"))
    if clipped:
        for key in ("height", "max-height", "width", "max-width"):
            size = length_px(props.get(key))
            if size is not None and size <= 1.0:
                return "zero_size"
    position = props.get("position")
    if position in ("absolute", "fixed"):
        clip = props.get("clip", "").replace(" ", "").replace(",", "")
        if _ZERO_CLIP_RE.search(clip) or props.get("clip-path", "").replace(" ", "") in (
            "inset(50%)",
            "circle(0)",
        ):
            return "zero_size"
    if position in ("absolute", "fixed", "relative") and any(
        _far_negative(props.get(key), offscreen_px) for key in ("left", "top", "right")
    ):
        return "offscreen"
    if any(_far_negative(props.get(key), offscreen_px) for key in ("margin-left", "margin-top")):
        return "offscreen"
    if _far_negative(props.get("text-indent"), offscreen_px):
        return "text_indent"
    return None


def font_size_zero(props: dict[str, str]) -> bool | None:
    """True for a zero font size, False for an explicit visible size, None when not set."""
    size = props.get("font-size")
    if size is not None:
        pixels = length_px(size)
        if pixels is None:
            return None if size in ("inherit", "unset", "initial") else False
        return pixels <= 0.0
    font = props.get("font")
    if font is not None:
        return _FONT_ZERO_RE.search(font) is not None
    return None


def visibility_hidden(props: dict[str, str]) -> bool | None:
    """True for hidden/collapse, False for an explicit `visible`, None when not set."""
    value = props.get("visibility")
    if value in ("hidden", "collapse"):
        return True
    if value == "visible":
        return False
    return None
