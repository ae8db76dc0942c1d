"""The JSON bodies the officers' API accepts, as pydantic models: they validate each request, and the OpenAPI
document (backoffice/openapi.py) is generated from them, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, Extra, Field, StrictInt, StrictStr, ValidationError, constr

from bot.dossiers import delivery
from bot.officers.accounts import ROLES
from bot.officers.password_policy import DEFAULT_MIN_LENGTH, MAX_LENGTH
from bot.workflow.states import RULES

# A required text: a JSON string with something else than spaces in it.
Text = constr(strict=True, regex=r"^\s*\S", max_length=2000)
Choice = constr(strict=True, max_length=100)  # one of an enum; an unknown one is refused by the domain
Password = constr(strict=True, min_length=1, max_length=1024)
Reference = StrictInt | StrictStr  # an id, or a code / username


class RequestBody(BaseModel):
    class Config:
        extra = Extra.ignore  # fields this version does not know are left alone, as before


class TokenRequest(RequestBody):
    username: Text
    password: Password = Field(..., format="password")


class PasswordChange(RequestBody):
    current_password: Password = Field(..., format="password")
    new_password: constr(strict=True, min_length=1, max_length=MAX_LENGTH) = Field(
        ...,
        format="password",
        description=f"Ít nhất {DEFAULT_MIN_LENGTH} ký tự, có cả chữ cái và chữ số, không chứa tên đăng nhập, "
        "không phổ biến",
    )


class ActionRequest(RequestBody):
    action: Choice = Field(..., enum=list(RULES))
    department: Reference | None = Field(
        None, description="Phòng nhận hồ sơ (mã số hoặc mã phòng), cho thao tác forward"
    )
    officer: Reference | None = Field(
        None, description="Cán bộ thụ lý (mã số hoặc tên đăng nhập), cho thao tác assign"
    )
    note: StrictStr | None = Field(
        None, max_length=2000, description="Bắt buộc với request_supplement và reject"
    )


class DeliveryChange(RequestBody):
    delivery: Choice = Field(..., enum=list(delivery.CHOICES))
    address: StrictStr | None = Field(None, max_length=500, description="Bắt buộc khi nhận qua bưu điện")


class NewDepartment(RequestBody):
    code: Text = Field(..., description="Chữ in hoa, chữ số và dấu gạch dưới, tối đa 32 ký tự")
    name: Text


class NewOfficer(RequestBody):
    username: Text = Field(..., description="3–64 ký tự: chữ thường, chữ số và . _ -")
    full_name: Text
    role: Choice = Field(..., enum=list(ROLES))
    password: Password = Field(
        ..., format="password", description="Mật khẩu ban đầu: cán bộ phải đổi khi đăng nhập lần đầu"
    )
    department: Reference | None = Field(None, description="Mã phòng ban (bắt buộc trừ vai trò admin)")
    title: StrictStr | None = Field(None, max_length=200)


REQUEST_MODELS: tuple[type[RequestBody], ...] = (
    TokenRequest,
    PasswordChange,
    ActionRequest,
    DeliveryChange,
    NewDepartment,
    NewOfficer,
)

Body = TypeVar("Body", bound=RequestBody)


class BodyError(ValueError):
    """A body that does not fit its model; `str(error)` says which field and why, in Vietnamese."""


def problem(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"] if part != "__root__") or "nội dung"
    kind = first["type"]
    if kind == "value_error.missing":
        return f"Thiếu trường «{field}»."
    if kind.startswith("type_error"):
        return f"Trường «{field}» sai kiểu dữ liệu."
    if kind == "value_error.any_str.max_length":
        return f"Trường «{field}» dài quá {first['ctx']['limit_value']} ký tự."
    return f"Trường «{field}» không được để trống."


def parse(model: type[Body], data: Any) -> Body:
    try:
        return model.parse_obj(data)
    except ValidationError as error:
        raise BodyError(problem(error)) from error


def schemas(ref_prefix: str) -> dict[str, dict[str, Any]]:
    """The JSON Schema of every request body, for the OpenAPI document's components."""
    return {model.__name__: model.schema(ref_template=ref_prefix + "{model}") for model in REQUEST_MODELS}
