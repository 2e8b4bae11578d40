"""Search quality on the evaluation set of colloquial questions, over the seeded demo catalog."""

from backend.catalog.evaluation import DEFAULT_EVAL_FILE, evaluate, read_pairs


def test_search_finds_the_expected_item(app):
    pairs = read_pairs(DEFAULT_EVAL_FILE)
    assert len(pairs) >= 120
    with app.app_context():
        report = evaluate(pairs)
    misses = "\n".join(f"{m.question} → {m.found} (期望 {m.expected})" for m in report.misses)
    assert report.top1_rate >= 0.95, misses
    assert report.top3_rate >= 0.99, misses


def test_eval_command_prints_rates_and_misses(app, tmp_path):
    path = tmp_path / "eval.tsv"
    path.write_text("question\texpected_code\n身份证丢了\t320115-GA-001\n结婚登记\t320115-GA-001\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "eval", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "top-1 命中率 50.0%（1/2）" in result.output
    assert "top-3 命中率 50.0%（1/2）" in result.output
    assert "未命中  结婚登记  期望 320115-GA-001  实得 320115-MZ-001" in result.output
