"""The bot's copies of reference data agree with its domain and training data."""
import re
from pathlib import Path

import yaml

from actions.common import categories, street_names

BOT_DIR = Path(__file__).resolve().parents[2]


def nlu_blocks():
    for path in (BOT_DIR / "data").rglob("*.yml"):
        yield from (yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or [])


def test_every_category_has_a_response_and_training_examples(domain):
    codes = set(categories())
    assert len(codes) == 44
    responses = {k.split("/", 1)[1] for k in domain["responses"] if k.startswith("utter_complain/")}
    trained = {}
    for block in nlu_blocks():
        if block.get("intent", "").startswith("complain/"):
            code = block["intent"].split("/", 1)[1]  # a category may have several blocks (short, long)
            trained[code] = trained.get(code, 0) + block["examples"].count("\n- ") + 1
    assert responses == codes
    assert set(trained) == codes
    assert min(trained.values()) >= 30


def test_category_responses_name_the_right_department(domain):
    for code, row in categories().items():
        text = domain["responses"][f"utter_complain/{code}"][0]["text"]
        assert f"「{row['name']}」" in text and row["department_name"] in text


def test_street_synonyms_map_every_street_to_its_code():
    synonyms = {block["synonym"]: block["examples"] for block in nlu_blocks() if "synonym" in block}
    for code, name in street_names().items():
        assert re.search(rf"^- {name}$", synonyms[code], re.M), code


def test_long_complaints_are_trained_for_every_category():
    long_ones = {}
    for block in nlu_blocks():
        if block.get("intent", "").startswith("complain/"):
            for line in block["examples"].splitlines():
                if line.startswith("- ") and len(line) > 90:
                    long_ones[block["intent"]] = long_ones.get(block["intent"], 0) + 1
    assert len(long_ones) == 44 and min(long_ones.values()) >= 2
