import pytest
import yaml

from bot.service_levels import KNOWN, levels_mentioned, resolve_level, response_name
from bot.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    ("mention", "level"),
    [
        ("mức độ 4", "4"),
        ("muc do 3", "3"),
        ("md2", "2"),
        ("mđ4", "4"),
        ("level 1", "1"),
        ("cấp độ ba", "3"),
        ("4", "4"),
        ("toàn trình", "toan_trinh"),
        ("toan trinh", "toan_trinh"),
        ("toan_trinh", "toan_trinh"),
        ("một phần", "mot_phan"),
        ("1 phần", "mot_phan"),
        ("mức 5", None),
        ("xyz", None),
        ("", None),
        (None, None),
    ],
)
def test_resolve_level(mention, level):
    assert resolve_level(mention) == level


def test_every_level_has_its_response_in_the_domain():
    responses = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["responses"]
    for level in (*KNOWN, None):
        assert response_name(level) in responses


def test_every_synonym_of_the_training_data_resolves_to_its_own_key():
    nlu = yaml.safe_load((PROJECT_ROOT / "data/nlu/synonyms.yml").read_text())["nlu"]
    for block in nlu:
        for example in block["examples"].splitlines():
            surface = example.strip().removeprefix("- ")
            if surface:
                assert resolve_level(surface) == block["synonym"], surface


@pytest.mark.parametrize(
    ("message", "levels"),
    [
        ("dich vu cong mot phan nghia la gi", ["mot_phan"]),
        ("mức 3 và mức độ 4 khác gì nhau", ["3", "4"]),
        ("toàn trình với 1 phần khác nhau sao", ["toan_trinh", "mot_phan"]),
        ("md4 va toan trinh, md4 nua", ["4", "toan_trinh"]),
        ("dịch vụ công là gì", []),
    ],
)
def test_levels_mentioned_in_a_whole_message(message, levels):
    assert levels_mentioned(message) == levels
