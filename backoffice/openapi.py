"""The OpenAPI 3.0.3 document of the back-office API (served at GET /api/openapi.json).

The request bodies' schemas are generated from the pydantic models that validate them
(backoffice/api_models.py); the paths and the answers are described here. tests/unit/test_backoffice_api.py
checks that it lists exactly the routes registered under /api/."""

from __future__ import annotations

from typing import Any

from backoffice.api_models import schemas as request_schemas
from bot.dossiers import delivery
from bot.officers.accounts import ROLES
from bot.workflow.states import RULES, STATUS_LABELS

COMPONENTS = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"{COMPONENTS}{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


NULLABLE_STRING = {"type": "string", "nullable": True}
UNAUTHORIZED = _error("Thiếu hoặc sai mã truy cập (kèm header WWW-Authenticate: Bearer)")
FORBIDDEN = _error("Không có quyền")
BAD_REQUEST = _error("Yêu cầu không hợp lệ")
PASSWORD_CHANGE_REQUIRED = _error("Phải đổi mật khẩu trước (kind=password_change_required)")
CODE_PARAMETER = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "Mã hồ sơ, ví dụ 000.00.12.H23-251122-0007",
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "Lý do, bằng tiếng Việt"},
            "kind": {
                "type": "string",
                "enum": [
                    "invalid",
                    "forbidden",
                    "not_found",
                    "conflict",
                    "password_change_required",
                    "rate_limited",
                ],
            },
            "locked_until": {"type": "string", "format": "date-time"},
            "retry_after": {"type": "integer", "description": "Số giây phải chờ (kèm header Retry-After)"},
        },
    },
    "Token": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_at"],
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["bearer"]},
            "expires_at": {"type": "string", "format": "date-time"},
            "must_change_password": {
                "type": "boolean",
                "description": "true: mật khẩu do người khác đặt; chỉ POST /api/me/password dùng được mã này",
            },
        },
    },
    "PasswordChanged": {
        "type": "object",
        "required": ["changed", "message"],
        "properties": {"changed": {"type": "boolean"}, "message": {"type": "string"}},
    },
    "Department": {
        "type": "object",
        "required": ["id", "name", "code"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "officer_count": {"type": "integer"},
        },
    },
    "Officer": {
        "type": "object",
        "required": ["id", "username", "full_name", "title", "role", "department_id"],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "full_name": {"type": "string"},
            "title": {"type": "string"},
            "role": {"type": "string", "enum": list(ROLES)},
            "department_id": {"type": "integer", "nullable": True},
            "department_code": NULLABLE_STRING,
            "is_active": {"type": "boolean"},
        },
    },
    "Me": {
        "allOf": [
            _ref("Officer"),
            {
                "type": "object",
                "properties": {
                    "role_label": {"type": "string"},
                    "department_name": NULLABLE_STRING,
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
        ]
    },
    "DepartmentRef": {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}},
    },
    "OfficerRef": {
        "type": "object",
        "nullable": True,
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "full_name": {"type": "string"},
            "title": {"type": "string"},
        },
    },
    "Timing": {
        "type": "object",
        "properties": {
            "due_date": {"type": "string", "format": "date", "nullable": True},
            "overdue": {"type": "boolean"},
            "late_working_days": {"type": "integer"},
            "remaining_working_days": {"type": "integer", "nullable": True},
            "paused": {"type": "boolean", "description": "Chờ công dân bổ sung: tạm dừng tính thời hạn"},
            "finished": {"type": "boolean"},
        },
    },
    "DossierSummary": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "procedure_code": {"type": "string"},
            "procedure_name": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUS_LABELS)},
            "status_label": {"type": "string"},
            "channel": {"type": "string"},
            "applicant_name": {"type": "string"},
            "department": _ref("DepartmentRef"),
            "officer": _ref("OfficerRef"),
            "received_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": "string", "format": "date-time", "nullable": True},
            "timing": _ref("Timing"),
        },
    },
    "DossierList": {
        "type": "object",
        "required": ["items", "count"],
        "properties": {
            "items": {"type": "array", "items": _ref("DossierSummary")},
            "count": {"type": "integer"},
        },
    },
    "AllowedAction": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "enum": list(RULES)},
            "label": {"type": "string"},
            "needs_department": {"type": "boolean"},
            "needs_officer": {"type": "boolean"},
            "needs_note": {"type": "boolean"},
            "note_hint": {"type": "string"},
        },
    },
    "DossierDetail": {
        "allOf": [
            _ref("DossierSummary"),
            {
                "type": "object",
                "properties": {
                    "supplement_request": {"type": "string"},
                    "fee_amount": {"type": "integer", "nullable": True},
                    "fee_paid": {"type": "boolean"},
                    "fee_receipt": {"type": "string"},
                    "consent": {
                        "type": "object",
                        "nullable": True,
                        "description": "The personal data notice agreed to (label/sha256) and when",
                        "properties": {
                            "version": {"type": "string"},
                            "given_at": {"type": "string", "format": "date-time"},
                        },
                    },
                    "personal_data_erased_at": {"type": "string", "format": "date-time", "nullable": True},
                    "result_delivery": {"type": "string", "enum": list(delivery.CHOICES)},
                    "delivery_address": {"type": "string"},
                    "answers": {"type": "object", "additionalProperties": True},
                    "attachments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "upload_id": {"type": "string"},
                                "filename": {"type": "string"},
                                "content_type": NULLABLE_STRING,
                                "size": {"type": "integer", "nullable": True},
                            },
                        },
                    },
                    "timeline": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "at": {"type": "string", "format": "date-time"},
                                "action": {"type": "string"},
                                "action_label": {"type": "string"},
                                "status": {"type": "string"},
                                "status_label": {"type": "string"},
                                "officer_name": {"type": "string"},
                                "department_name": {"type": "string"},
                                "note": {"type": "string"},
                            },
                        },
                    },
                    "allowed_actions": {"type": "array", "items": _ref("AllowedAction")},
                },
            },
        ]
    },
    "AuditEntry": {
        "type": "object",
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "officer": {"type": "string"},
            "role": {"type": "string"},
            "action": {
                "type": "string",
                "enum": ["view", "attachment", "declaration", "result", "result_upload"],
            },
            "action_label": {"type": "string"},
            "dossier": {"type": "string"},
            "detail": {"type": "string"},
            "allowed": {"type": "boolean"},
        },
    },
    "AuditList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
            "count": {"type": "integer"},
        },
    },
    "Upload": {
        "type": "object",
        "properties": {
            "upload_id": {"type": "string"},
            "filename": {"type": "string"},
            "size": {"type": "integer"},
        },
    },
}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = schema or {"type": "string"}
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PATHS: dict[str, Any] = {
    "/api/auth/token": {
        "post": {
            "summary": "Cấp mã truy cập (bearer) cho cán bộ",
            "security": [],
            "requestBody": _body(_ref("TokenRequest")),
            "responses": {
                "200": _json(_ref("Token"), "Mã truy cập"),
                "400": BAD_REQUEST,
                "401": _error("Tên đăng nhập hoặc mật khẩu không đúng"),
                "423": _error("Tài khoản tạm khóa (locked_until)"),
                "429": _error(
                    "Quá nhiều lần đăng nhập từ địa chỉ này (kind=rate_limited, header Retry-After)"
                ),
            },
        }
    },
    "/api/me": {
        "get": {
            "summary": "Cán bộ đang đăng nhập",
            "responses": {
                "200": _json(_ref("Me"), "Cán bộ"),
                "401": UNAUTHORIZED,
                "403": PASSWORD_CHANGE_REQUIRED,
            },
        }
    },
    "/api/me/password": {
        "post": {
            "summary": "Đổi mật khẩu của chính mình (các phiên và mã truy cập khác bị thu hồi)",
            "description": "Dùng được cả khi tài khoản đang phải đổi mật khẩu (must_change_password).",
            "requestBody": _body(_ref("PasswordChange")),
            "responses": {
                "200": _json(_ref("PasswordChanged"), "Đã đổi mật khẩu"),
                "400": _error("Mật khẩu hiện tại sai hoặc mật khẩu mới không đạt yêu cầu (kind=invalid)"),
                "401": UNAUTHORIZED,
                "423": _error("Sai mật khẩu hiện tại quá nhiều lần: tài khoản tạm khóa, mã này bị thu hồi"),
            },
        }
    },
    "/api/dossiers": {
        "get": {
            "summary": "Danh sách hồ sơ cán bộ được xem (mới nhất trước)",
            "description": "Một cửa: hồ sơ đang ở Bộ phận Một cửa và hồ sơ đã có quyết định; chuyên viên và "
            "lãnh đạo phòng: hồ sơ phòng mình đang giữ; chủ tịch UBND và quản trị: mọi hồ sơ.",
            "parameters": [
                _query("status", "Trạng thái", {"type": "string", "enum": list(STATUS_LABELS)}),
                _query("procedure", "Mã thủ tục"),
                _query("department", "Phòng đang giữ hồ sơ (mã số hoặc mã phòng)"),
                _query("overdue", "Chỉ hồ sơ trễ hạn (true) hoặc không trễ (false)", {"type": "boolean"}),
                _query("limit", "Số hồ sơ tối đa", {"type": "integer", "minimum": 1, "maximum": 500}),
            ],
            "responses": {
                "200": _json(_ref("DossierList"), "Hồ sơ"),
                "400": BAD_REQUEST,
                "401": UNAUTHORIZED,
            },
        }
    },
    "/api/dossiers/{code}": {
        "get": {
            "summary": "Chi tiết hồ sơ, kèm các thao tác cán bộ được phép",
            "parameters": [CODE_PARAMETER],
            "responses": {
                "200": _json(_ref("DossierDetail"), "Hồ sơ"),
                "401": UNAUTHORIZED,
                "403": _error(
                    "Hồ sơ không thuộc phạm vi của cán bộ (kind=forbidden); lượt bị từ chối được ghi nhật ký"
                ),
                "404": _error("Không có hồ sơ"),
            },
        }
    },
    "/api/dossiers/{code}/actions": {
        "post": {
            "summary": "Thực hiện một thao tác xử lý hồ sơ",
            "parameters": [CODE_PARAMETER],
            "requestBody": _body(_ref("ActionRequest")),
            "responses": {
                "200": _json(_ref("DossierDetail"), "Hồ sơ sau thao tác"),
                "400": _error("Thao tác không hợp lệ (kind=invalid)"),
                "401": UNAUTHORIZED,
                "403": _error("Không có quyền (kind=forbidden)"),
                "404": _error("Không có hồ sơ (kind=not_found)"),
                "409": _error("Không thể thực hiện ở trạng thái hiện tại (kind=conflict)"),
            },
        }
    },
    "/api/dossiers/{code}/delivery": {
        "post": {
            "summary": "Đổi hình thức nhận kết quả (Bộ phận Một cửa)",
            "parameters": [CODE_PARAMETER],
            "requestBody": _body(_ref("DeliveryChange")),
            "responses": {
                "200": _json(_ref("DossierDetail"), "Hồ sơ sau khi đổi"),
                "400": _error("Lựa chọn hoặc địa chỉ không hợp lệ (kind=invalid)"),
                "401": UNAUTHORIZED,
                "403": _error("Không có quyền (kind=forbidden)"),
                "404": _error("Không có hồ sơ (kind=not_found)"),
            },
        }
    },
    "/api/dossiers/{code}/result": {
        "put": {
            "summary": "Tải lên tệp kết quả (PDF đã ký số) để trả trực tuyến",
            "parameters": [CODE_PARAMETER],
            "requestBody": {
                "required": True,
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "200": _json({"type": "object"}, "Đã lưu tệp kết quả"),
                "400": BAD_REQUEST,
                "401": UNAUTHORIZED,
                "403": FORBIDDEN,
                "404": _error("Không có hồ sơ (kind=not_found)"),
            },
        }
    },
    "/api/departments": {
        "get": {
            "summary": "Danh sách phòng ban",
            "responses": {
                "200": _json({"type": "array", "items": _ref("Department")}, "Phòng ban"),
                "401": UNAUTHORIZED,
            },
        },
        "post": {
            "summary": "Tạo phòng ban (quản trị)",
            "requestBody": _body(_ref("NewDepartment")),
            "responses": {
                "201": _json(_ref("Department"), "Đã tạo"),
                "400": BAD_REQUEST,
                "401": UNAUTHORIZED,
                "403": FORBIDDEN,
            },
        },
    },
    "/api/officers": {
        "get": {
            "summary": "Danh sách cán bộ",
            "parameters": [_query("department", "Chỉ cán bộ của phòng này (mã số hoặc mã phòng)")],
            "responses": {
                "200": _json({"type": "array", "items": _ref("Officer")}, "Cán bộ"),
                "400": BAD_REQUEST,
                "401": UNAUTHORIZED,
            },
        },
        "post": {
            "summary": "Tạo tài khoản cán bộ (quản trị)",
            "requestBody": _body(_ref("NewOfficer")),
            "responses": {
                "201": _json(_ref("Officer"), "Đã tạo"),
                "400": BAD_REQUEST,
                "401": UNAUTHORIZED,
                "403": FORBIDDEN,
            },
        },
    },
    "/api/audit": {
        "get": {
            "summary": "Nhật ký truy cập hồ sơ: ai xem hồ sơ nào, tải tệp nào, lúc nào (chỉ quản trị)",
            "parameters": [
                _query("officer", "Tên đăng nhập của cán bộ"),
                _query("dossier", "Mã hồ sơ"),
                _query(
                    "since", "Từ thời điểm (ISO 8601, có múi giờ)", {"type": "string", "format": "date-time"}
                ),
                _query(
                    "until",
                    "Đến trước thời điểm (ISO 8601, có múi giờ)",
                    {"type": "string", "format": "date-time"},
                ),
                _query("limit", "Số dòng tối đa", {"type": "integer", "minimum": 1, "maximum": 500}),
            ],
            "responses": {
                "200": _json(_ref("AuditList"), "Nhật ký, mới nhất trước"),
                "400": BAD_REQUEST,
                "401": UNAUTHORIZED,
                "403": _error("Chỉ quản trị hệ thống"),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "summary": "Tài liệu OpenAPI này",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.0.3")},
        }
    },
    "/api/statistics": {
        "get": {
            "summary": "Thống kê công khai tình hình giải quyết hồ sơ",
            "security": [],
            "parameters": [_query("months", "Số tháng gần nhất (1–36)", {"type": "integer", "minimum": 1})],
            "responses": {
                "200": _json({"type": "object"}, "Số liệu theo tháng và tổng cộng"),
                "400": BAD_REQUEST,
                "503": _error("Chưa tải được số liệu"),
            },
        }
    },
    "/api/uploads": {
        "post": {
            "summary": "Công dân tải lên ảnh hoặc PDF giấy tờ (từ khung chat)",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
            "responses": {
                "201": _json(_ref("Upload"), "Đã nhận tệp"),
                "400": BAD_REQUEST,
                "413": _error("Tệp lớn hơn 10 MB"),
            },
        }
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Trợ lý DVC – API cho cán bộ",
            "version": "1.0.0",
            "description": "Tiếp nhận và xử lý hồ sơ dịch vụ công; xác thực bằng mã truy cập Bearer "
            "lấy từ POST /api/auth/token. Khi tài khoản phải đổi mật khẩu (must_change_password), mọi "
            "đường dẫn cần mã truy cập trả 403 kind=password_change_required, trừ POST /api/me/password.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **request_schemas(COMPONENTS)},
        },
    }
