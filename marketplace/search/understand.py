"""What people type, made searchable: question words dropped, input typos guessed.

Pure text functions; the index decides which guess is real (index.known_spellings).
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

from . import text as T

CONFUSIONS_FILE = Path(__file__).with_name("confusions.txt")
# Words that carry no subject in a query typed as a question or a request: "有没有……的需求",
# "寻找做……的团队", "关于……的榜单". Dropped as whole jieba words, so 需求 goes but 需求侧 stays.
QUESTION_WORDS = frozenset(
    """
    有没有 有无 是否 有 没有 寻找 寻求 找 找到 想 想要 希望 求 征集 需要 需求 求购 关于 有关
    相关 方面 领域 榜单 榜 团队 单位 人 人员 任务 项目 课题 方向 的 地 得 了 吗 呢 吧 呀
    啊 么 做 搞 从事 能 能够 可以 会 哪些 哪个 哪家 哪里 什么 谁 怎么 怎样 如何 请问 请 一下
    帮 帮忙 我 我们 你们 贵 一个 一些 些 和 与 及 或 或者 等 等等 以及 对 在 是 进行 开展 提供
    承接 承担 揭榜 挂帅
    """.split()  # noqa: SIM905 (a word list people can read and extend)
)
MAX_GUESSES = 400  # spellings tried per term at most


def subject_pieces(term: str) -> list[str]:
    """The parts of one typed term that name something, in order: the question words and
    particles between them dropped. "寻找做碳纤维复合材料的团队" → ["碳纤维复合材料"]."""
    folded = T.fold(term)
    pieces: list[str] = []
    current = ""
    for word in _precise_cut(folded):
        if word.strip() in QUESTION_WORDS or not word.strip():
            if current:
                pieces.append(current)
            current = ""
        else:
            current += word
    if current:
        pieces.append(current)
    return [p for p in pieces if T.words(p)]


def _precise_cut(text: str) -> list[str]:
    from .text import _segmenter

    return list(_segmenter().cut(text))


@cache
def confusions() -> dict[str, tuple[str, ...]]:
    """Character → the characters typed instead of it (and the other way round)."""
    table: dict[str, list[str]] = {}
    for line in CONFUSIONS_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        group = list(dict.fromkeys(line.split()))
        for char in group:
            known = table.setdefault(char, [])
            known += [c for c in group if c != char and c not in known]
    return {char: tuple(others) for char, others in table.items()}


def spelling_guesses(term: str) -> list[str]:
    """Spellings of ``term`` with one, then two, confusable characters swapped: most likely
    first (one swap before two, earlier characters in each group before later ones)."""
    folded = T.fold(term)
    table = confusions()
    spots = [(i, table[c]) for i, c in enumerate(folded) if c in table]
    guesses: list[str] = []
    for swaps in (1, 2):
        for chosen in itertools.combinations(spots, swaps):
            for replacement in itertools.product(*(others for _i, others in chosen)):
                chars = list(folded)
                for (i, _others), char in zip(chosen, replacement, strict=True):
                    chars[i] = char
                guesses.append("".join(chars))
                if len(guesses) >= MAX_GUESSES:
                    return guesses
    return guesses
