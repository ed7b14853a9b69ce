"""Build `han_frequency.txt`, the ranked list of common Han characters used by the mojibake stage.

Provenance: character frequencies are summed from the word frequencies of jieba 0.42.1's
`jieba/dict.txt` (MIT licence, https://github.com/fxsjy/jieba; the dictionary was built from
People's Daily and other modern Chinese corpora). Every character of a word gets the word's count;
single-character entries are left out (see `char_frequencies`).
Traditional and variant forms are folded onto the rank of their simplified form with OpenCC's
t2s, tw2s and hk2s character conversions (OpenCC, Apache-2.0), so traditional pages are judged
like simplified ones.

Output: one line per rank (most frequent first); a line holds the simplified character followed
by the traditional/variant characters that map to it. Only the top `--top` ranks are written.

Run (needs jieba's source distribution unpacked somewhere; jieba is not a project dependency):

    pip download jieba==0.42.1 --no-deps --no-binary :all: -d /tmp/jieba && tar xzf /tmp/jieba/*.tar.gz -C /tmp/jieba
    .venv/bin/python filters/data/build_han_frequency.py /tmp/jieba/jieba-0.42.1/jieba/dict.txt
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import opencc

from filters.textstats import is_han

OUTPUT = Path(__file__).with_name("han_frequency.txt")
_BMP_HAN = [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)]


def char_frequencies(dict_path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        # Single-character entries are skipped: jieba's corpus held mojibake, and its single-character
        # entries include garbage such as 銆 紝 殑 (UTF-8 read as GBK) with high counts.
        if len(parts) >= 2 and parts[1].isdigit() and len(parts[0]) > 1:
            for char in parts[0]:
                if is_han(char):
                    counts[char] += int(parts[1])
    return counts


def variants_by_simplified() -> dict[str, set[str]]:
    chars = [chr(cp) for cp in _BMP_HAN]
    out: dict[str, set[str]] = {}
    for config in ("t2s", "tw2s", "hk2s"):
        converted = opencc.OpenCC(config).convert("\n".join(chars)).split("\n")
        for char, simplified in zip(chars, converted, strict=True):
            if simplified != char and len(simplified) == 1:
                out.setdefault(simplified, set()).add(char)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dict_txt", type=Path)
    parser.add_argument("--top", type=int, default=8000)
    args = parser.parse_args()
    ranked = [char for char, _ in char_frequencies(args.dict_txt).most_common()]
    variants = variants_by_simplified()
    seen: set[str] = set()
    rows: list[str] = []
    for char in ranked:
        if len(rows) == args.top:
            break
        if char in seen:  # a traditional form already listed under its simplified form's rank
            continue
        row = [char, *sorted(variants.get(char, set()) - seen - {char})]
        seen.update(row)
        rows.append("".join(row))
    OUTPUT.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} ranks, {len(seen)} characters to {OUTPUT}")


if __name__ == "__main__":
    main()
