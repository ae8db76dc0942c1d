import pytest

from bot.forms.intake import asks_to_submit, submittable_procedure
from tests.unit.catalog_fixtures import SEARCH


@pytest.mark.parametrize(
    ("message", "submit"),
    [
        ("tôi muốn nộp hồ sơ khai sinh", True),
        ("lam ho so xac nhan doc than online", True),
        ("điền tờ khai đăng ký kết hôn", True),
        ("đăng ký kết hôn", False),
        ("thủ tục khai tử cần gì", False),
    ],
)
def test_asks_to_submit(message, submit):
    assert asks_to_submit(message) is submit


def test_only_procedures_with_a_form_are_picked():
    forms = {"1.000894", "1.001193"}
    assert submittable_procedure(SEARCH, forms, "nộp hồ sơ khai sinh") == "1.001193"
    assert submittable_procedure(SEARCH, forms, "đăng ký khai sinh lưu động") == "1.001193"
    assert submittable_procedure(SEARCH, forms, "cấp lại bằng lái") is None
    assert submittable_procedure(SEARCH, forms, "") is None
