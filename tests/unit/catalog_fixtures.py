"""A small hand-made catalogue (real names and codes) for unit tests that must not depend on the import."""

from bot.catalog.model import (
    IN_PERSON,
    ONLINE,
    PARTLY_ONLINE,
    POSTAL,
    Channel,
    Document,
    Fee,
    LegalDocument,
    Procedure,
    TimeLimit,
)
from bot.catalog.search import Lexicon, ProcedureSearch
from bot.catalog.store import Catalog


def procedure(code: str, name: str, levels=("Cấp xã",), **extra) -> Procedure:
    return Procedure(
        code=code, name=name, portal_url=f"https://dichvucong.gov.vn/p/{code}", levels=levels, **extra
    )


BIRTH = procedure(
    "1.001193",
    "Thủ tục đăng ký khai sinh",
    fields=("Hộ tịch",),
    channels=(
        Channel(IN_PERSON, TimeLimit("1", 1.0, None), Fee("Miễn phí", free=True)),
        Channel(ONLINE, TimeLimit("01 ngày làm việc", 1.0, "ngày làm việc"), Fee("Miễn phí", free=True)),
        Channel(POSTAL, TimeLimit("1", 1.0, None), Fee("Miễn phí", free=True)),
    ),
    documents=(
        Document(
            "Tờ khai đăng ký khai sinh",
            "Giấy tờ phải nộp",
            "Tờ khai đăng ký khai sinh.docx",
            1,
            0,
            "1 bản chính",
        ),
        Document("Giấy chứng sinh", "Giấy tờ phải nộp", "", 1, 0, "1 bản chính"),
    ),
    legal_basis=(LegalDocument("Luật Hộ tịch", "60/2014/QH13"),),
    steps=("Bước 1: Nộp hồ sơ.", "Bước 2: Công chức tư pháp - hộ tịch kiểm tra."),
    result="Giấy khai sinh",
    online_class=PARTLY_ONLINE,
)
CATALOG = Catalog(
    [
        BIRTH,
        procedure("1.003583", "Thủ tục đăng ký khai sinh lưu động"),
        procedure("2.000528", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài"),
        procedure("1.004884", "Thủ tục đăng ký lại khai sinh"),
        procedure("1.000894", "Thủ tục đăng ký kết hôn"),
        procedure("1.004222", "Đăng ký thường trú"),
        procedure("1.003197", "Xóa đăng ký thường trú"),
        procedure("1.004873", "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân"),
        procedure("3.000346", "Cấp giấy phép lái xe", levels=("Cấp bộ",)),
        procedure("3.000348", "Cấp lại giấy phép lái xe", levels=("Cấp bộ", "Cấp tỉnh")),
        procedure(
            "1.001456", "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)", levels=("Cấp tỉnh",)
        ),
        procedure(
            "1.001471",
            "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp trung ương)",
            levels=("Cấp bộ",),
        ),
        procedure("1.010386", "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp xã)"),
        procedure(
            "2.000815",
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
            "của Việt Nam cấp",
            levels=("Cấp xã", "Cơ quan khác"),
        ),
        procedure("3.000333", "Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam", levels=("Cấp tỉnh",)),
        procedure("1.000001", "Cấp Giấy phép khai thác khoáng sản", levels=("Cấp tỉnh",)),
        procedure("1.000002", "Cấp Giấy phép khai thác khoáng sản", levels=("Cấp bộ",)),
    ]
)
SEARCH = ProcedureSearch(list(CATALOG), Lexicon.load(), home_level="Cấp xã")
