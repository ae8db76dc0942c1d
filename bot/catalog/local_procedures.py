"""The commune's (or its province's) own procedures, which the national catalogue lacks: social assistance,
poor-household lists, funeral allowances, education, culture...

A commune writes them in a YAML file (format and example: data/catalog/local_procedures.example.yml) and
imports it; the bot answers about them like catalogue procedures, and finds them from the situations the
file lists. Imported files live in the settings' local procedures directory; every process notices a
change there at its next search (no restart, no retrain).

    python -m bot.catalog.local_procedures check FILE      # validate, print what would be imported
    python -m bot.catalog.local_procedures import FILE     # validate and import (replaces a same-named file)
    python -m bot.catalog.local_procedures list            # the imported files and their procedures
    python -m bot.catalog.local_procedures remove NAME     # remove an imported file
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.catalog.model import (
    LOCAL_SOURCE,
    ONLINE,
    Channel,
    Document,
    Fee,
    LegalDocument,
    Procedure,
    TimeLimit,
)
from bot.catalog.situations import MIN_WORDINGS, ProcedureSituations, SituationData

LOCAL_FIELD = "thủ tục của địa phương"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$")
_REQUIRED = ("code", "name", "agency", "result", "situations")


class LocalProcedureError(ValueError):
    pass


@dataclass(frozen=True)
class LocalProcedures:
    procedures: tuple[Procedure, ...]
    situations: SituationData


def _texts(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise LocalProcedureError(f"{where}: expected a list of texts")
    return tuple(" ".join(item.split()) for item in value)


def _procedure(entry: object, where: str, source: str) -> tuple[Procedure, ProcedureSituations]:
    if not isinstance(entry, dict):
        raise LocalProcedureError(
            f"{where}: expected a mapping (code, name, agency, result, situations, ...)"
        )
    missing = [key for key in _REQUIRED if not entry.get(key)]
    if missing:
        raise LocalProcedureError(f"{where}: missing {', '.join(missing)}")
    code = str(entry["code"]).strip()
    if not _CODE.match(code) or re.fullmatch(r"\d\.\d{6}", code):
        raise LocalProcedureError(
            f"{where}: code {code!r} must be 3–40 letters, digits, '.', '-' or '_' and not look like a "
            "national code (use a local prefix such as XA-TP-001)"
        )
    name = " ".join(str(entry["name"]).split())
    wordings = _texts(entry.get("situations"), f"{where} ({code}).situations")
    if len(wordings) < MIN_WORDINGS:
        raise LocalProcedureError(f"{where} ({code}): at least {MIN_WORDINGS} situations are needed")
    fee_text = " ".join(str(entry.get("fee", "")).split())
    fee = Fee(text=fee_text, free=bool(re.search(r"(?i)miễn phí|không thu", fee_text)))
    time_limit = TimeLimit(text=" ".join(str(entry.get("time_limit", "")).split()))
    channels = tuple(
        Channel(kind=kind, time_limit=time_limit, fee=fee)
        for kind in (_texts(entry.get("channels"), f"{where}.channels") or ("truc_tiep",))
    )
    if any(channel.kind not in {"truc_tiep", ONLINE, "buu_chinh"} for channel in channels):
        raise LocalProcedureError(f"{where}: channels are truc_tiep, truc_tuyen or buu_chinh")
    procedure = Procedure(
        code=code,
        name=name,
        portal_url=str(entry.get("url", "")).strip(),
        levels=_texts(entry.get("level", "Cấp xã"), f"{where}.level"),
        fields=(str(entry.get("field") or LOCAL_FIELD).strip(),),
        target_groups=_texts(entry.get("who", "Công dân Việt Nam"), f"{where}.who"),
        competent_agency=" ".join(str(entry["agency"]).split()),
        implementing_agency=" ".join(str(entry["agency"]).split()),
        receiving_address=" ".join(str(entry.get("address", "")).split()),
        steps=_texts(entry.get("steps"), f"{where}.steps"),
        channels=channels,
        documents=tuple(Document(name=text) for text in _texts(entry.get("documents"), f"{where}.documents")),
        conditions=" ".join(str(entry.get("conditions", "")).split()),
        legal_basis=tuple(LegalDocument(title=text) for text in _texts(entry.get("legal_basis"), where)),
        result=" ".join(str(entry["result"]).split()),
        source=source,
    )
    return procedure, ProcedureSituations(code, str(entry.get("field") or LOCAL_FIELD).strip(), wordings)


def parse(path: Path) -> LocalProcedures:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LocalProcedureError(f"{path.name}: cannot be read as YAML: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("procedures"), list):
        raise LocalProcedureError(f"{path.name}: expected 'procedures:' followed by a list")
    source = f"{LOCAL_SOURCE}: {document.get('source') or path.stem}"
    parsed = [
        _procedure(entry, f"{path.name}: procedures[{index}]", source)
        for index, entry in enumerate(document["procedures"])
    ]
    codes = [procedure.code for procedure, _ in parsed]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise LocalProcedureError(f"{path.name}: codes listed twice: {', '.join(repeated)}")
    return LocalProcedures(
        tuple(procedure for procedure, _ in parsed),
        SituationData(tuple(situations for _, situations in parsed), ()),
    )


def files_in(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yml")) if directory.is_dir() else []


def signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Changes whenever a file is imported, replaced or removed."""
    out = []
    for path in files_in(directory):
        stat = path.stat()
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def load_all(directory: Path, national_codes: Iterable[str] = ()) -> LocalProcedures:
    """Every imported file; a file that no longer validates is skipped (and reported by `list`)."""
    taken = set(national_codes)
    procedures: list[Procedure] = []
    situations: list[ProcedureSituations] = []
    for path in files_in(directory):
        try:
            local = parse(path)
        except LocalProcedureError:
            continue
        for procedure, entry in zip(local.procedures, local.situations.procedures, strict=True):
            if procedure.code not in taken:
                taken.add(procedure.code)
                procedures.append(procedure)
                situations.append(entry)
    return LocalProcedures(tuple(procedures), SituationData(tuple(situations), ()))


def import_file(source: Path, directory: Path) -> LocalProcedures:
    local = parse(source)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{source.stem}.yml"
    partial = directory / f".{source.stem}.{os.getpid()}.tmp"
    partial.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    partial.replace(target)
    return local


def main(argv: Sequence[str]) -> int:
    from bot.settings import load_settings

    directory = load_settings().search.local_procedures_dir
    command, *rest = argv or ("help",)
    try:
        if command in {"check", "import"} and len(rest) == 1:
            path = Path(rest[0])
            local = import_file(path, directory) if command == "import" else parse(path)
            for procedure in local.procedures:
                print(f"{procedure.code}  {procedure.name}")
            done = "imported into " + str(directory) if command == "import" else "valid"
            print(f"{len(local.procedures)} procedures {done}")
            return 0
        if command == "list" and not rest:
            for path in files_in(directory):
                try:
                    print(f"{path.name}: {len(parse(path).procedures)} procedures")
                except LocalProcedureError as error:
                    print(f"{path.name}: NOT LOADED: {error}")
            return 0
        if command == "remove" and len(rest) == 1:
            target = directory / f"{Path(rest[0]).name.removesuffix('.yml')}.yml"
            if not target.exists():
                print(f"No imported file named {target.name} in {directory}", file=sys.stderr)
                return 1
            target.unlink()
            print(f"Removed {target.name}")
            return 0
    except (LocalProcedureError, OSError) as error:
        print(f"ERROR {error}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
