"""What the catalogue knows about a procedure, parsed from the national portal's pages.

Every text field is the source's own wording, cleaned; nothing is inferred that the source does not state.
Where the source is unclear the value is None (or empty) and the field name is listed in `unparsed`,
so that answers can say "không rõ" instead of guessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Submission channels, as the portal names them.
IN_PERSON = "truc_tiep"  # Trực tiếp
ONLINE = "truc_tuyen"  # Trực tuyến
POSTAL = "buu_chinh"  # Dịch vụ bưu chính
CHANNEL_LABELS = {IN_PERSON: "Trực tiếp", ONLINE: "Trực tuyến", POSTAL: "Qua dịch vụ bưu chính"}

# Online classes (Decree 42/2022/NĐ-CP) as far as the source lets us tell.
FULLY_ONLINE = "toan_trinh"  # the source says the procedure is "toàn trình"
PARTLY_ONLINE = "mot_phan"  # online submission exists, the source does not say "toàn trình"
IN_PERSON_ONLY = "truc_tiep"  # no online channel in the source
UNKNOWN = "khong_ro"
LOCAL_SOURCE = "địa phương"  # the source of a commune's own procedures: "địa phương: <who issued the file>"


@dataclass(frozen=True)
class TimeLimit:
    text: str  # cleaned source wording, e.g. "03 ngày làm việc", "Không quy định"
    value: float | None = None  # 3.0; None when not stated or not a single number
    unit: str | None = None  # "ngày làm việc" | "ngày" | "giờ" | "tháng" | "năm" | None when not stated


@dataclass(frozen=True)
class Fee:
    text: str  # cleaned source wording, e.g. "50.000 đồng", "Miễn phí", "Theo quy định của HĐND tỉnh"
    amounts_vnd: tuple[int, ...] = ()  # every amount stated in VND
    other_amounts: tuple[str, ...] = ()  # amounts in other currencies, verbatim ("100 USD")
    free: bool = False  # the source says it is free ("Miễn phí", "Không thu")
    note: str = ""  # the source's explanation (the parenthesised part), e.g. exemptions, legal basis


@dataclass(frozen=True)
class Channel:
    kind: str  # IN_PERSON | ONLINE | POSTAL
    time_limit: TimeLimit
    fee: Fee
    description: str = ""

    @property
    def label(self) -> str:
        return CHANNEL_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Document:
    name: str
    group: str = ""  # heading in the source, e.g. "Giấy tờ phải nộp", "Giấy tờ phải xuất trình"
    form_template: str = ""  # the declaration form's name when the source gives one (mẫu đơn, tờ khai)
    originals: int | None = None  # bản chính
    copies: int | None = None  # bản sao
    quantity_text: str = ""  # as stated, e.g. "1 bản chính, 1 bản sao"


@dataclass(frozen=True)
class LegalDocument:
    title: str
    number: str = ""  # e.g. "123/2015/NĐ-CP"


@dataclass(frozen=True)
class Procedure:
    code: str  # national code, e.g. "1.001193"
    name: str  # as the catalogue names it
    portal_url: str
    levels: tuple[str, ...] = ()  # "Cấp bộ", "Cấp tỉnh", "Cấp xã", "Cơ quan khác"
    fields: tuple[str, ...] = ()  # lĩnh vực
    decision_number: str = ""  # the decision that published it, e.g. "163/QĐ-BTP"
    procedure_type: str = ""
    target_groups: tuple[str, ...] = ()  # đối tượng thực hiện
    competent_agency: str = ""  # cơ quan có thẩm quyền
    implementing_agency: str = ""  # cơ quan thực hiện
    receiving_address: str = ""  # địa chỉ tiếp nhận hồ sơ
    steps: tuple[str, ...] = ()  # trình tự thực hiện, one entry per step
    channels: tuple[Channel, ...] = ()  # cách thức thực hiện
    documents: tuple[Document, ...] = ()  # thành phần hồ sơ
    conditions: str = ""  # yêu cầu, điều kiện ("" when the source has none)
    legal_basis: tuple[LegalDocument, ...] = ()
    result: str = ""  # kết quả thực hiện
    online_class: str = UNKNOWN
    source: str = ""  # the ministry folder of the crawl, e.g. "bo-tu-phap"
    unparsed: dict[str, str] = field(
        default_factory=dict
    )  # field -> cleaned source text we could not structure

    @property
    def local(self) -> bool:
        """A commune's own procedure (bot/catalog/local_procedures.py), not in the national catalogue."""
        return self.source.startswith(LOCAL_SOURCE)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Procedure:
        return cls(
            **{
                **data,
                "levels": tuple(data.get("levels", ())),
                "fields": tuple(data.get("fields", ())),
                "target_groups": tuple(data.get("target_groups", ())),
                "steps": tuple(data.get("steps", ())),
                "channels": tuple(
                    Channel(
                        kind=channel["kind"],
                        time_limit=TimeLimit(**channel["time_limit"]),
                        fee=Fee(
                            **{
                                **channel["fee"],
                                "amounts_vnd": tuple(channel["fee"].get("amounts_vnd", ())),
                                "other_amounts": tuple(channel["fee"].get("other_amounts", ())),
                            }
                        ),
                        description=channel.get("description", ""),
                    )
                    for channel in data.get("channels", ())
                ),
                "documents": tuple(Document(**document) for document in data.get("documents", ())),
                "legal_basis": tuple(LegalDocument(**law) for law in data.get("legal_basis", ())),
                "unparsed": dict(data.get("unparsed", {})),
            }
        )
