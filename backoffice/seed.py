"""Demo data for a fresh installation: the commune's departments, one officer per role and five dossiers.

`python -m backoffice seed-demo` (password from DVC_DEMO_PASSWORD). Running it again changes nothing:
departments and officers are only created when missing, dossiers only when no demo dossier exists. The demo
officers must change that published password at first sign-in, unless DVC_DEMO_SKIP_PASSWORD_CHANGE=1
(development only: refused in production)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.db.models import Dossier
from bot.forms.definitions import FormSpec
from bot.forms.sample_answers import answer_for
from bot.forms.validators import Valid, validate
from bot.officers.accounts import ADMIN, ANALYTICS, CHAIRMAN, DESK, SPECIALIST, check_password_policy
from bot.otp.service import phone_hash
from bot.services import Services
from bot.workflow.clock import VIETNAM

DEMO_CHANNEL = "demo"

DEPARTMENTS = (
    ("MOT_CUA", "Bộ phận Một cửa"),
    ("TU_PHAP", "Công chức Tư pháp - Hộ tịch"),
    ("VHXH", "Phòng Văn hóa - Xã hội"),
    ("KINH_TE", "Phòng Kinh tế"),
    ("CONG_AN", "Công an xã"),
    ("LANH_DAO", "Lãnh đạo UBND xã"),
)

# username, full name, role, department, title
OFFICERS = (
    ("admin", "Trần Quốc Bảo", ADMIN, None, "Quản trị hệ thống"),
    ("motcua", "Nguyễn Thị Thu Hà", DESK, "MOT_CUA", "Công chức Bộ phận Một cửa"),
    ("tuphap", "Lê Văn Hùng", SPECIALIST, "TU_PHAP", "Công chức Tư pháp - Hộ tịch"),
    ("tuphap2", "Phạm Thị Mai", SPECIALIST, "TU_PHAP", "Công chức Tư pháp - Hộ tịch"),
    ("congan", "Đỗ Minh Tuấn", SPECIALIST, "CONG_AN", "Cán bộ Công an xã"),
    ("chutich", "Hoàng Văn Nam", CHAIRMAN, "LANH_DAO", "Chủ tịch UBND xã"),
    ("phantich", "Vũ Thị Lan", ANALYTICS, None, "Công chức Văn phòng - Thống kê"),
)

# procedure, applicant, phone, steps (action, officer username, options); the intended final status
DEMO_DOSSIERS = (
    ("1.004873", "Nguyễn Văn An", "0912000001", (), "received"),
    (
        "1.001193",
        "Trần Thị Bích",
        "0912000002",
        (("accept", "motcua", {}), ("forward", "motcua", {"department": "TU_PHAP"})),
        "forwarded",
    ),
    (
        "1.000894",
        "Lê Hoàng Long",
        "0912000003",
        (
            ("accept", "motcua", {}),
            ("forward", "motcua", {"department": "TU_PHAP"}),
            ("assign", "tuphap", {"officer": "tuphap"}),
        ),
        "assigned",
    ),
    (
        "1.001193",
        "Phạm Thu Trang",
        "0912000004",
        (("request_supplement", "motcua", {"note": "Bổ sung bản sao Giấy chứng sinh có chứng thực."}),),
        "supplement_requested",
    ),
    (
        "2.000635",
        "Võ Đức Thắng",
        "0912000005",
        (
            ("accept", "motcua", {}),
            ("forward", "motcua", {"department": "TU_PHAP"}),
            ("assign", "tuphap", {"officer": "tuphap"}),
            ("submit_for_signature", "tuphap", {}),
            ("approve", "chutich", {}),
            ("mark_result_ready", "motcua", {}),
            ("return_result", "motcua", {}),
        ),
        "returned",
    ),
)


@dataclass
class SeedReport:
    departments_created: list[str] = field(default_factory=list)
    officers_created: list[str] = field(default_factory=list)
    dossiers_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"departments created: {len(self.departments_created)}, "
            f"officers created: {len(self.officers_created)}, "
            f"demo dossiers created: {len(self.dossiers_created)}"
        )


def _realistic(applicant: str, today: date) -> dict[str, str]:
    """What a real citizen would type for the common fields (the rest from bot/forms/sample_answers.py)."""
    recent = (today - timedelta(days=12)).strftime("%d/%m/%Y")
    return {
        "applicant_gender": "Nữ" if " Thị " in f" {applicant} " else "Nam",
        "applicant_birth_date": "12/05/1992",
        "applicant_ethnicity": "Kinh",
        "applicant_nationality": "Việt Nam",
        "applicant_residence": "Thôn Đông, xã Tân Phú",
        "applicant_relationship": "Mẹ",
        "partner_full_name": "Nguyễn Thị Hồng",
        "partner_birth_date": "20/08/1995",
        "partner_ethnicity": "Kinh",
        "partner_nationality": "Việt Nam",
        "partner_residence": "Thôn Bắc, xã Tân Phú",
        "child_full_name": "Lê Minh Khôi",
        "child_gender": "Nam",
        "child_birth_date": recent,
        "child_birth_place": "Trạm Y tế xã Tân Phú",
        "child_ethnicity": "Kinh",
        "child_nationality": "Việt Nam",
        "child_hometown": "Xã Tân Phú",
        "mother_full_name": applicant,
        "mother_birth_year": "1992",
        "father_full_name": "Lê Văn Tâm",
        "parents_residence": "Thôn Đông, xã Tân Phú",
        "marital_status": "Chưa kết hôn",
        "previous_marriage_papers": "Không có",
        "purpose": "Bổ sung hồ sơ xin việc",
        "record_type": "Khai sinh",
        "subject_full_name": applicant,
        "registration_place": "UBND xã Tân Phú",
        "register_book_number": "Số 25, quyển 01/2015",
    }


def valid_answers(form: FormSpec, applicant: str, phone: str, today: date) -> dict[str, str]:
    """A complete answer set that passes the form's validators, filed under `applicant`: realistic values
    where they fit the form, the generic valid answers (bot/forms/sample_answers.py) otherwise."""
    realistic = {**_realistic(applicant, today), form.applicant_name_field: applicant}
    answers: dict[str, str] = {}
    for spec in form.fields:
        result = None
        if spec.name in realistic:
            result = validate(spec, realistic[spec.name], answers, today)
        if not isinstance(result, Valid):
            result = validate(spec, answer_for(spec, answers, phone), answers, today)
        if not isinstance(result, Valid):
            raise ValueError(f"demo answer for {form.procedure_code}.{spec.name} rejected: {result.message}")
        answers[spec.name] = result.value
    return answers


def _seed_accounts(app: Services, password: str, report: SeedReport, password_change: bool) -> None:
    missing = [officer for officer in OFFICERS if app.accounts.get_officer(officer[0]) is None]
    for username, *_ in missing:  # refuse the password before anything is created
        check_password_policy(password, username, app.accounts.password_policy)
    existing = {department.code for department in app.accounts.list_departments()}
    for code, name in DEPARTMENTS:
        if code not in existing:
            app.accounts.create_department(code, name)
            report.departments_created.append(code)
    for username, full_name, role, department, title in missing:
        app.accounts.create_officer(
            username, full_name, role, password, department, title, must_change_password=password_change
        )
        report.officers_created.append(username)


def _has_demo_dossiers(app: Services) -> bool:
    with app.sessions() as session:
        count = session.execute(
            select(func.count(Dossier.id)).where(Dossier.channel == DEMO_CHANNEL)
        ).scalar()
    return bool(count)


def _seed_dossiers(app: Services, report: SeedReport) -> None:
    today = app.dossiers.clock().astimezone(VIETNAM).date()
    for number, (wanted, applicant, phone, steps, _) in enumerate(DEMO_DOSSIERS, 1):
        code = wanted if wanted in app.forms else sorted(app.forms)[0]
        form = app.forms[code]
        submitted = app.dossiers.submit(
            form=form,
            procedure=app.catalog.get(code),
            answers=valid_answers(form, applicant, phone, today),
            channel=DEMO_CHANNEL,
            sender_id=f"demo-{number}",
            phone_hash=phone_hash(app.secret, phone),
            idempotency_key=f"demo-seed-{number}",
        )
        for action, username, options in steps:
            actor = app.accounts.get_officer(username)
            app.workflow.perform(submitted.code, action, actor, **options)
        report.dossiers_created.append(submitted.code)


def seed_demo(app: Services, password: str, *, password_change: bool = True) -> SeedReport:
    """Create what is missing of the demo data; raises AccountError for a password the policy refuses
    (checked when there are officers to create with it). The officers created must change the password at
    first sign-in unless `password_change` is False (tests, DVC_DEMO_SKIP_PASSWORD_CHANGE)."""
    report = SeedReport()
    _seed_accounts(app, password, report, password_change)
    if not _has_demo_dossiers(app):
        _seed_dossiers(app, report)
    return report
