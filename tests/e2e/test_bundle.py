"""The console's initial JavaScript stays within its budget (bench/console_bundle prints the figures)."""

from bench.console_bundle import BUDGET_KB, initial_files, measure


def test_initial_javascript_is_within_budget_and_has_no_charts(console_dist):
    result = measure(console_dist)
    assert 0 < result["js_gzip"] <= BUDGET_KB * 1024
    names = initial_files(console_dist)
    assert any(name.endswith(".js") for name in names)
    assert not [name for name in names if "echarts" in name.lower()]
    assert "echarts" not in "".join((console_dist / n).read_text(encoding="utf-8") for n in names if n.endswith(".js"))
