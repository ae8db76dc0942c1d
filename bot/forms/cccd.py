"""The structure of a citizen identity (CCCD) number: 12 digits, read as

PPP G YY RRRRRR
PPP     the province where the birth was registered: the codes of the 63 provinces before the 2025
        merger (001-096, not contiguous), still used after it;
G       gender and century of birth: 0/1 = male/female born 1900-1999, 2/3 = 2000-2099,
        4/5 = 2100-2199, 6/7 = 2200-2299, 8/9 = 1800-1899;
YY      the last two digits of the birth year;
RRRRRR  a random sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

CCCD_LENGTH = 12

MALE = "Nam"
FEMALE = "Nữ"

PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# Gender-and-century digit // 2 -> first year of the century of birth.
_CENTURY_START = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}


@dataclass(frozen=True)
class CccdInfo:
    number: str
    province_code: str  # "001"
    province: str  # "Hà Nội"
    gender: str  # MALE ("Nam") or FEMALE ("Nữ")
    century_start: int  # 1900 for someone born 1900-1999
    birth_year_digits: str  # "05": the last two digits of the birth year

    @property
    def birth_year(self) -> int:
        return self.century_start + int(self.birth_year_digits)


def province_name(code: str) -> str | None:
    """'001' -> 'Hà Nội'; None for a code that is not one of the 63 province codes."""
    return PROVINCE_CODES.get(code)


def gender_century_digit(gender: str, birth_year: int) -> str:
    """The 4th digit for a gender (MALE/FEMALE) and a birth year: ('Nam', 2005) -> '2'. ValueError for a
    year outside 1800-2299, which no digit stands for."""
    century = next((key for key, start in _CENTURY_START.items() if start <= birth_year < start + 100), None)
    if century is None:
        raise ValueError(f"no CCCD gender-and-century digit for the birth year {birth_year}")
    return str(century * 2 + (1 if gender == FEMALE else 0))


def describe_cccd(number: str) -> CccdInfo:
    """Read a 12-digit CCCD number. ValueError when it is not 12 digits or the province code is unknown."""
    if len(number) != CCCD_LENGTH or not number.isascii() or not number.isdigit():
        # The number itself stays out of the message: an error may be logged, and a CCCD is personal data.
        raise ValueError(f"a CCCD number has exactly {CCCD_LENGTH} digits (got {len(number)} characters)")
    code = number[:3]
    province = province_name(code)
    if province is None:
        raise ValueError(f"{code!r} is not a province code")
    digit = int(number[3])
    return CccdInfo(
        number=number,
        province_code=code,
        province=province,
        gender=FEMALE if digit % 2 else MALE,
        century_start=_CENTURY_START[digit // 2],
        birth_year_digits=number[4:6],
    )
