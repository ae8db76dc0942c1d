"""The officers' password policy and its list of common passwords."""

from __future__ import annotations

import pytest

from bot.officers.accounts import AccountError, check_password_policy
from bot.officers.password_policy import COMMON_PASSWORDS_FILE, PasswordPolicy, load_common_passwords

POLICY = PasswordPolicy()


@pytest.mark.parametrize(
    "password",
    ["hoa-sen-trong-dam-2026", "Ruộng lúa 2026 xanh", "7 con chim sẻ nhỏ", "x9" * 6],
)
def test_acceptable_passwords(password):
    assert POLICY.problems(password, "lan") == []


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("hoa-sen-123", "ít nhất 12 ký tự"),
        ("", "ít nhất 12 ký tự"),
        ("hoa-sen-trong-dam", "chữ cái và chữ số"),
        ("123456789012345", "chữ cái và chữ số"),
        ("!!!!----2026####", "chữ cái và chữ số"),
        ("nguyen.lan-2026", "tên đăng nhập"),
        ("NGUYEN.LAN-2026", "tên đăng nhập"),
        ("matkhau123456", "phổ biến"),
        ("MatKhau@2026!!", "phổ biến"),  # a common word followed only by digits and symbols
        ("administrator123", "phổ biến"),
        ("a" * 120 + "1" * 9, "tối đa 128"),
    ],
)
def test_each_rule_is_explained_in_vietnamese(password, rule):
    problems = POLICY.problems(password, "nguyen.lan")
    assert any(rule in problem for problem in problems), problems


def test_every_broken_rule_is_named_at_once():
    with pytest.raises(AccountError) as refused:
        check_password_policy("lan12", "lan")
    message = str(refused.value)
    assert "ít nhất 12 ký tự" in message and "tên đăng nhập" in message


def test_the_minimum_length_is_configurable():
    assert PasswordPolicy(min_length=16).problems("hoa-sen-2026-xanh", "") == []
    assert PasswordPolicy(min_length=20).problems("hoa-sen-2026-xanh", "") == [
        "Mật khẩu phải có ít nhất 20 ký tự."
    ]


def test_the_common_list_has_vietnamese_favourites_and_is_lower_case():
    common = load_common_passwords()
    assert len(common) >= 300
    assert {"matkhau123", "123456789", "abc12345", "anhyeuem", "vietnam123", "ubnd@123"} <= common
    assert all(entry == entry.lower() and entry.strip() == entry for entry in common)
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")  # the comment header is not a password
    assert not any(entry.startswith("#") for entry in common)


def test_a_short_common_stem_does_not_refuse_good_passwords():
    assert not POLICY.is_common("abc-2026-xyz-9")
    assert POLICY.is_common("ABC12345")  # exact entry
    assert not POLICY.is_common("abc987654321")  # "abc" + digits: a stem that short does not count
    assert POLICY.is_common("hanoi987654321")
