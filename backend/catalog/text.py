"""Chinese text handling for catalog search: normalisation, jieba words, bigrams and synonyms."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
USER_DICT = DATA / "search_dict.txt"
SYNONYMS = DATA / "synonyms.tsv"

# Bigram terms live in their own namespace so that the word "身份" and the bigram "身份" differ.
BIGRAM_PREFIX = "~"
# The index keeps weak-field postings (summary, materials…) under this prefix, apart from those of names,
# aliases and keywords, so that ranking can tell a word in a name from the same word in a summary.
WEAK_PREFIX = "#"
MAX_TERM_LENGTH = 64

# Words that say nothing about which service is meant (colloquial question scaffolding).
STOPWORDS = frozenset("""
我 我们 你 你们 他 她 它 咱 俺 想 想要 要 需要 需不需要 得 怎么 怎么样 怎样 咋 咋办 怎么办 如何 哪里 哪儿 哪个
在哪 在哪里 在哪儿 去哪 去哪里 去哪儿 什么 啥 吗 呢 吧 啊 呀 哦 嘛 了 的 地 着 过 是 不是 有 没 没有 可以 可不可以
能 能不能 能否 应该 该 请问 问 问一下 一下 下 一个 个 这 这个 那 那个 都 也 还 和 与 及 或 或者 并 等 给 把 被 让 在
就 才 又 很 最 多 多少 几 些 一些 怎么弄 弄 搞 做 去 来 到 从 对 向 为 为了 于 之 其 用 时候 时 后 以后 之后 现在 刚刚
办 办理 办个 办下 手续 流程 步骤 要求 规定 相关 有关 关于 请 帮 帮忙 告诉 知道 一般 大概 需 须 要不要 吗？ 么 哪些
""".split())

_SPACE = re.compile(r"\s+")
_TOKEN_CHARS = re.compile(r"[\u3400-\u9fffa-z0-9]+")
_lock = threading.Lock()


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, no whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


@lru_cache(maxsize=1)
def tokenizer():
    """The jieba tokenizer with the catalog's user dictionary, built on first use."""
    import jieba

    with _lock:
        instance = jieba.Tokenizer()
        instance.initialize()
        if USER_DICT.exists():
            instance.load_userdict(str(USER_DICT))
        for term in synonyms():
            # Colloquial synonym terms must come out of the tokenizer whole to be looked up.
            if len(term) > 1:
                instance.add_word(term, freq=2000)
        return instance


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """term → canonical terms, read from synonyms.tsv (term<TAB>canonical|canonical)."""
    table: dict[str, list[str]] = {}
    if not SYNONYMS.exists():
        return {}
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        term, _, canonicals = line.partition("\t")
        term = normalize(term)
        values = [normalize(value) for value in canonicals.split("|") if normalize(value)]
        if term and values:
            table.setdefault(term, [])
            table[term].extend(value for value in values if value not in table[term])
    return {term: tuple(values) for term, values in table.items()}


# Catalog texts repeat a lot (materials, common aliases) and so do questions: tokenise each once.
@lru_cache(maxsize=65536)
def words(text: str, for_search: bool = True) -> tuple[str, ...]:
    """jieba words of a text without stopwords and punctuation: search mode (long words and their
    parts, for the index) or precise mode (each word once, for questions)."""
    text = normalize(text)
    if not text:
        return ()
    cut = tokenizer().lcut_for_search if for_search else tokenizer().lcut
    return tuple(
        word for word in cut(text, HMM=False)
        if word not in STOPWORDS and _TOKEN_CHARS.fullmatch(word) and len(word) <= MAX_TERM_LENGTH
    )


@lru_cache(maxsize=65536)
def bigrams(text: str) -> tuple[str, ...]:
    """Character bigrams of each run of letters and digits (the fallback for unknown words and typos)."""
    grams: list[str] = []
    for run in _TOKEN_CHARS.findall(normalize(text)):
        if len(run) == 1:
            continue
        grams.extend(BIGRAM_PREFIX + run[i:i + 2] for i in range(len(run) - 1) if run[i:i + 2] not in STOPWORDS)
    return tuple(grams)


@lru_cache(maxsize=65536)
def synonym_expansions(text: str) -> tuple[str, ...]:
    """Canonical terms for every synonym term that occurs in the normalised text."""
    text = normalize(text)
    found: list[str] = []
    for term, canonicals in synonyms().items():
        if term in text:
            found.extend(value for value in canonicals if value not in found)
    return tuple(found)
