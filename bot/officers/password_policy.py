"""What a new or changed officer password must be (passwords already set are not re-checked).

- at least `min_length` characters (12 by default, DVC_PASSWORD_MIN_LENGTH) and at most 128;
- letters and digits both (any alphabet, so Vietnamese letters count): one simple rule officers can follow,
  rather than "3 of 4 classes" which pushes people to `Matkhau@123`-style patterns without adding much;
- neither equal to nor containing the username, in any case;
- not one of the common passwords in data/security/common_passwords.txt, nor one of them followed only by
  digits and symbols ("matkhau@2026", "Vietnam123456!"), the first things an attacker tries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.settings import PROJECT_ROOT

DEFAULT_MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = PROJECT_ROOT / "data" / "security" / "common_passwords.txt"
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\W\d_]+$")
_MIN_COMMON_STEM = 4  # shorter stems ("abc", "le") followed by digits would refuse too many good passwords


@lru_cache(maxsize=4)
def load_common_passwords(path: Path = COMMON_PASSWORDS_FILE) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = DEFAULT_MIN_LENGTH
    common: frozenset[str] = field(default_factory=load_common_passwords, repr=False)

    def problems(self, password: str, username: str = "") -> list[str]:
        """Every rule the password breaks, each a sentence for the officer (empty: acceptable)."""
        if not isinstance(password, str) or not password:
            return [f"Mật khẩu phải có ít nhất {self.min_length} ký tự."]
        found = []
        if len(password) < self.min_length:
            found.append(f"Mật khẩu phải có ít nhất {self.min_length} ký tự.")
        if len(password) > MAX_LENGTH:
            found.append(f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự.")
        if not (any(char.isalpha() for char in password) and any(char.isdigit() for char in password)):
            found.append("Mật khẩu phải có cả chữ cái và chữ số.")
        lowered = password.lower()
        name = (username or "").strip().lower()
        if name and name in lowered:
            found.append("Mật khẩu không được trùng hoặc chứa tên đăng nhập.")
        if self.is_common(lowered):
            found.append("Mật khẩu này quá phổ biến, rất dễ bị đoán; vui lòng chọn mật khẩu khác.")
        return found

    def is_common(self, password: str) -> bool:
        lowered = password.lower()
        if lowered in self.common:
            return True
        stem = _TRAILING_DIGITS_AND_SYMBOLS.sub("", lowered)
        return len(stem) >= _MIN_COMMON_STEM and stem != lowered and stem in self.common

    def describe(self) -> str:
        """The rules in one sentence, shown next to the password fields."""
        return (
            f"Ít nhất {self.min_length} ký tự, có cả chữ cái và chữ số, không chứa tên đăng nhập "
            "và không phải mật khẩu phổ biến (như matkhau123)."
        )
