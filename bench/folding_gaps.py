"""Find the characters that search's folding leaves unfolded, over the terms dictionary.

    .venv/bin/python bench/folding_gaps.py            # gaps as "variant simplified" lines
    PYTHONPATH=/some/dir .venv/bin/python bench/folding_gaps.py   # with zhconv/hanziconv

OpenCC's t2s converts the traditional characters it knows; variant forms (異體字) such as 堿
(for 鹼, simplified 碱) pass through unchanged, so 胆碱 did not find 膽堿. For every character
of the domain dictionary (search/terms.txt) and the thesaurus (search/thesaurus.txt), this
collects the forms other tables give for it: OpenCC's own s2t/s2tw/s2hk (and their reverse
variant tables through t2tw/t2hk), and, when installed (a development aid only, not an app
dependency), the MediaWiki tables of ``zhconv`` and the character map of ``hanziconv``. A form
is a gap when ``text.fold`` does not turn it into the character. Characters that are
themselves in ordinary simplified use (encodable in GB2312, like 乾 beside 干) are not gaps:
folding them would change mainland text.

The lines printed go into search/variants.txt; tests/search/test_understanding.py checks that
every gap found from OpenCC's tables, and every listed variant, folds.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from marketplace.search import text as T  # noqa: E402
from marketplace.search import thesaurus as TH  # noqa: E402

_CJK = ("\u3400", "\u9fff")


def dictionary_characters() -> set[str]:
    words = [line.split()[0] for line in T.TERMS_FILE.read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#")]  # fmt: skip
    words += [term for group in TH.shipped_groups() for term in group]
    return {c for word in words for c in T.fold(word) if _CJK[0] <= c <= _CJK[1]}


def _opencc_forms(chars: set[str]) -> dict[str, set[str]]:
    import opencc

    forms: dict[str, set[str]] = {c: set() for c in chars}
    converters = [opencc.OpenCC(name) for name in ("s2t", "s2tw", "s2hk")]
    regional = [opencc.OpenCC(name) for name in ("t2tw", "t2hk")]
    for c in chars:
        for conv in converters:
            trad = conv.convert(c)
            forms[c].add(trad)
            forms[c].update(r.convert(trad) for r in regional)
    return forms


def _table_forms(chars: set[str]) -> dict[str, set[str]]:
    """Traditional/variant → simplified pairs from zhconv and hanziconv, when importable."""
    forms: dict[str, set[str]] = {c: set() for c in chars}
    try:
        import json

        import zhconv

        table = json.loads((Path(zhconv.__file__).parent / "zhcdict.json").read_text("utf-8"))
        for variant, simple in table["zh2Hans"].items():
            if len(variant) == 1 and simple in forms:
                forms[simple].add(variant)
    except ImportError:
        pass
    try:
        from hanziconv import charmap

        pairs = zip(
            charmap.traditional_charmap + charmap.extra_traditional,
            charmap.simplified_charmap + charmap.extra_simplified,
            strict=False,
        )
        for variant, simple in pairs:
            if simple in forms:
                forms[simple].add(variant)
    except ImportError:
        pass
    return forms


def in_simplified_use(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def gaps(chars: set[str], *, tables: bool = True) -> dict[str, str]:
    """{variant: simplified} for every form that folding leaves as it is."""
    found: dict[str, str] = {}
    sources = [_opencc_forms(chars)] + ([_table_forms(chars)] if tables else [])
    for source in sources:
        for simple, variants in source.items():
            for variant in variants:
                if len(variant) != 1 or variant == simple or in_simplified_use(variant):
                    continue
                if T.fold(variant) != simple:
                    found.setdefault(variant, simple)
    return found


def main() -> int:
    chars = dictionary_characters()
    found = gaps(chars)
    print(f"# {len(chars)} dictionary characters, {len(found)} unfolded variant forms")
    for variant, simple in sorted(found.items(), key=lambda pair: pair[1]):
        print(variant, simple)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
