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
VERBS = DATA / "verbs.tsv"

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

# Words that describe the resident's situation rather than the service asked for: who it is for, where,
# and generic benefits ("补贴" names a dozen items). They still count, at CONTEXT_WEIGHT (ranking.py).
CONTEXT_WORDS = frozenset("""
孩子 小孩 娃 宝宝 儿子 女儿 闺女 孙子 孙女 老人 老年人 老人家 爸 妈 爸爸 妈妈 爸妈 父母 父亲 母亲 老父亲 老母亲
老爸 老妈 爷爷 奶奶 外公 外婆 姥姥 姥爷 老公 老婆 丈夫 妻子 媳妇 爱人 家人 家里 我家 家 全家 一家 亲戚 朋友 舅舅
叔叔 阿姨 哥哥 姐姐 弟弟 妹妹 邻居 学校 单位 江宁 江宁区 南京 南京市 老家 外地 本地 这边 那边 村里 镇上 小区 补贴 补助
回老家 今年 去年 明年 上个月 下个月 最近 前几天 之前 已经 马上 刚 刚刚 听说 说 朋友圈 自己 一直 好几年 几年 两年
""".split())

# Words that ask about an aspect of a service (what to bring, how long, where), not which service it is.
ASPECT_WORDS = frozenset("""
带 带啥 带什么 准备 材料 证件 证明 东西 资料 多久 多长时间 几天 时间 条件 资格 流程 地方 地点 地址 电话 窗口 费用 钱 多少钱
收费 找谁 谁 哪 走 部门 网上 手机 线上 预约 本人 代办 手续费 几点 上班 周末 哪天 截止 开始
""".split())

# Official verbs that half the catalog's names end with: they never tell which service.
GENERIC_VERBS = frozenset("申请 申领 领取 办理 开具 提交 咨询 报名".split())

# Clause separators: residents state their situation first, then the need ("我被裁员了，失业金怎么领").
_CLAUSE = re.compile(r"[,，.。;；!！?？、:：~～\n]+")
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
        for term in [*synonyms(), *verbs()]:
            # Colloquial synonym terms must come out of the tokenizer whole to be looked up.
            if len(term) > 1:
                instance.add_word(term, freq=2000)
        return instance


def _read_table(path: Path) -> dict[str, tuple[str, ...]]:
    """term → canonical terms of a term<TAB>canonical|canonical file."""
    table: dict[str, list[str]] = {}
    if not path.exists():
        return {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        term, _, canonicals = line.partition("\t")
        term = normalize(term)
        values = [normalize(value) for value in canonicals.split("|") if normalize(value)]
        if term and values:
            table.setdefault(term, [])
            table[term].extend(value for value in values if value not in table[term])
    return {term: tuple(values) for term, values in table.items()}


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """term → canonical terms, read from synonyms.tsv (term<TAB>canonical|canonical)."""
    return _read_table(SYNONYMS)


@lru_cache(maxsize=1)
def verbs() -> dict[str, tuple[str, ...]]:
    """Everyday verb → the official verbs of the catalog (丢了 → 补领|挂失, 取 → 提取), from verbs.tsv."""
    return _read_table(VERBS)


@lru_cache(maxsize=1)
def verb_words() -> frozenset[str]:
    """Every word of the verb table, both sides: they say what to do, not which service."""
    table = verbs()
    return frozenset(table) | frozenset(value for values in table.values() for value in values) | GENERIC_VERBS


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


@lru_cache(maxsize=65536)
def clauses(text: str) -> tuple[str, ...]:
    """The clauses of a normalised text, split at punctuation, in order (empty ones dropped)."""
    return tuple(part for part in _CLAUSE.split(normalize(text)) if part)


@lru_cache(maxsize=65536)
def verb_expansions(text: str) -> tuple[str, ...]:
    """Official verbs for the everyday verbs of a text: a one-character verb (取, 交, 补) only when jieba
    cuts it as a word of its own, a longer one (丢了, 取出来) wherever it occurs."""
    table = verbs()
    own_words = set(words(text, for_search=False))
    normalized = normalize(text)
    found: list[str] = []
    for term, canonicals in table.items():
        if (term in own_words) if len(term) == 1 else (term in normalized):
            found.extend(value for value in canonicals if value not in found)
    return tuple(found)
