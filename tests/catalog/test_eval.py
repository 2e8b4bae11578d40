"""Search quality on the evaluation sets (colloquial and situation-first questions), over the seeded demo
catalog."""

import pytest

from backend.catalog import ranking, text
from backend.catalog.evaluation import (
    DEFAULT_EVAL_FILE,
    DEFAULT_EVAL_FILES,
    SITUATIONS_EVAL_FILE,
    TOP1_MIN,
    TOP3_MIN,
    evaluate,
    read_pairs,
)
from tests.catalog.conftest import demo_items


@pytest.mark.parametrize("path", DEFAULT_EVAL_FILES, ids=lambda p: p.name)
def test_search_finds_the_expected_item(app, path):
    pairs = read_pairs(path)
    assert len(pairs) >= 150
    with app.app_context():
        report = evaluate(pairs)
    misses = "\n".join(f"{m.question} → {m.found} (期望 {m.expected})" for m in report.misses)
    assert report.top1_rate >= TOP1_MIN, misses
    assert report.top3_rate >= TOP3_MIN, misses


def test_the_situation_set_covers_every_published_item():
    published = {item["code"] for item in demo_items() if item.get("status", "published") == "published"}
    expected = [code for _, code in read_pairs(SITUATIONS_EVAL_FILE)]
    assert set(expected) == published
    # written apart from the colloquial set: no question in both
    assert not {q for q, _ in read_pairs(SITUATIONS_EVAL_FILE)} & {q for q, _ in read_pairs(DEFAULT_EVAL_FILE)}


def test_eval_command_prints_rates_and_misses(app, tmp_path):
    path = tmp_path / "eval.tsv"
    path.write_text("question\texpected_code\n身份证丢了\t320115-GA-001\n结婚登记\t320115-GA-001\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "eval", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "评测集 eval.tsv" in result.output
    assert "top-1 命中率 50.0%（1/2）" in result.output
    assert "top-3 命中率 50.0%（1/2）" in result.output
    assert "未命中  结婚登记  期望 320115-GA-001  实得 320115-MZ-001" in result.output


def test_eval_command_reports_both_sets_by_default(app):
    result = app.test_cli_runner().invoke(args=["catalog", "eval"])
    assert result.exit_code == 0, result.output
    assert "评测集 search_eval.tsv" in result.output and "评测集 search_situations.tsv" in result.output
    assert result.output.count("top-1 命中率") == 2 and result.output.count("top-3 命中率") == 2


def test_the_need_clause_is_what_follows_the_situation():
    situation, need = ranking.split_need(text.normalize("上个月被公司裁员了，一直没找到工作，失业金怎么领"))
    assert need == "失业金怎么领" and situation.startswith("上个月")
    # a clause of verbs and aspects only ("怎么补办") belongs to the need before it
    assert ranking.split_need("身份证丢了，怎么补办")[1] == "身份证丢了怎么补办"
    assert ranking.split_need("失业金怎么领") == ("", "失业金怎么领")


def test_situation_and_context_words_weigh_less_than_the_need():
    weights = ranking.query_terms(text.normalize("我爸住院了，医保异地备案怎么办"))
    assert weights["备案"] == ranking.WORD_WEIGHT
    assert weights["住院"] == ranking.WORD_WEIGHT * ranking.SITUATION_WEIGHT
    assert weights["爸"] < weights["住院"]


def test_everyday_verbs_expand_to_official_ones_as_whole_words():
    assert "提取" in text.verb_expansions("公积金怎么取")
    assert "提取" not in text.verb_expansions("预约取消了")          # 取 inside 取消 is not the verb 取
    assert {"补领", "挂失"} <= set(text.verb_expansions("社保卡丢了"))
    weights = ranking.query_terms(text.normalize("社保卡丢了"))
    assert weights["补领"] == ranking.VERB_WEIGHT

