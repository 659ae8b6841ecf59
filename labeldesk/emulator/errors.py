"""The emulator's error answers: :class:`ApiError` knows its HTTP status and Wix-format body
(contract section 7), and :func:`violation` makes the 400 of a field that breaks a rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class ApiError(Exception):
    """An error answer in Wix's format (section 7 of the contract)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        data: Mapping[str, Any] | None = None,
        violations: Iterable[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.headers = dict(headers or {})
        self.status = status
        self.message = message
        self.code = code
        self.data = dict(data or {})
        self.violations = list(violations)

    def body(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.code:
            details["applicationError"] = {"code": self.code, "description": self.message, "data": self.data}
        if self.violations:
            details["validationError"] = {"fieldViolations": self.violations}
        return {"message": self.message, "details": details}


def violation(field_name: str, description: str, rule: str) -> ApiError:
    return ApiError(
        400,
        description,
        violations=[
            {"field": field_name, "description": description, "violatedRule": rule, "ruleName": rule, "data": {}}
        ],
    )
