"""What a citizen pays to file a procedure online in this commune: the commune's fee table
(data/fees.yml) first, then the catalogue where it states exactly one amount or "free"; None when neither
says (the desk tells the amount, no online payment is offered).

The fee is decided when the dossier is filed and stored on it (`fee_amount`), so a later change of the table
never changes what a citizen was told."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.catalog.model import ONLINE, Procedure
from bot.settings import PROJECT_ROOT
from bot.text.money import money

FEES_PATH = PROJECT_ROOT / "data" / "fees.yml"
EXEMPTION_FIELD = "fee_exemption"  # the form field asking which exemption applies
NO_EXEMPTION = "Không"
COMMUNE = "commune"
CATALOGUE = "catalogue"


class FeeTableError(ValueError):
    pass


@dataclass(frozen=True)
class CommuneFee:
    amount: int
    legal_basis: str
    exemptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fee:
    amount: int  # VND; 0 = nothing to pay
    source: str  # COMMUNE or CATALOGUE
    legal_basis: str = ""
    exempted_as: str = ""  # the exemption the citizen declared, when it made the fee 0

    @property
    def due(self) -> bool:
        return self.amount > 0


def describe(fee: Fee | None) -> str:
    """The fee in one phrase for the citizen: shown before they confirm and on the receipt."""
    if fee is None:
        return "Bộ phận Một cửa sẽ thông báo mức lệ phí (danh mục chưa nêu một mức cụ thể)"
    if fee.exempted_as:
        return f"Miễn lệ phí ({fee.exempted_as})"
    if not fee.due:
        return "Miễn phí"
    return money(fee.amount) + (f" (theo {fee.legal_basis})" if fee.legal_basis else "")


def catalogue_fee(procedure: Procedure | None) -> Fee | None:
    """The catalogue's fee for filing online: its one stated amount, or free; None when it states several
    amounts or defers to the province."""
    if procedure is None:
        return None
    channels = sorted(procedure.channels, key=lambda channel: channel.kind != ONLINE)  # online first
    for channel in channels:
        amounts = set(channel.fee.amounts_vnd)
        if len(amounts) == 1 and not channel.fee.free:
            return Fee(amounts.pop(), CATALOGUE, channel.fee.note[:300])
        if channel.fee.free:
            return Fee(0, CATALOGUE)
        if amounts:
            return None
    return None


@dataclass(frozen=True)
class FeeSchedule:
    commune: Mapping[str, CommuneFee]

    @classmethod
    def load(cls, path: Path = FEES_PATH) -> FeeSchedule:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = {}
        for code, entry in data.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("amount"), int) or entry["amount"] < 0:
                raise FeeTableError(f"{path}: {code}: 'amount' must be a whole number of VND (0 = free)")
            if not str(entry.get("legal_basis") or "").strip():
                raise FeeTableError(f"{path}: {code}: 'legal_basis' is required (the amount's source)")
            exemptions = tuple(str(item) for item in entry.get("exemptions") or ())
            entries[str(code)] = CommuneFee(entry["amount"], str(entry["legal_basis"]).strip(), exemptions)
        return cls(entries)

    def exemptions(self, code: str) -> tuple[str, ...]:
        entry = self.commune.get(code)
        return entry.exemptions if entry else ()

    def fee_for(
        self, procedure: Procedure | None, code: str, answers: Mapping[str, str] | None = None
    ) -> Fee | None:
        """The fee for filing `code` online, given the form's answers (an exemption the citizen declared)."""
        entry = self.commune.get(code)
        if entry is None:
            return catalogue_fee(procedure)
        declared = str((answers or {}).get(EXEMPTION_FIELD) or "")
        if declared in entry.exemptions:
            return Fee(0, COMMUNE, entry.legal_basis, exempted_as=declared)
        return Fee(entry.amount, COMMUNE, entry.legal_basis)
