"""What the OpenAPI schema says about errors, in one place.

Every operation gets the error answers it can really give, with their body
shape, derived from the view (its authentication, permissions, throttles and
path parameters) rather than copied onto each view. A view's own description
for a code (say, what a 429 on joining means) is kept; only a missing body
shape is filled in.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

ERROR_COMPONENT = "Error"
VALIDATION_ERROR_COMPONENT = "ValidationError"

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error that is not about one field.",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Invalid input. Each key names a bad field (or `non_field_errors`) and maps to its messages; "
        "a body that is not valid JSON answers `detail` instead."
    ),
    "additionalProperties": {},
    "example": {"phone": ["Enter a valid phone number, for example +1 217 555 0134."]},
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input, or a change the current state does not allow: the body names each field and what is wrong",
    "401": "No credentials, or an invalid or expired token",
    "403": "Logged in, but not allowed to do this (or a session login without its CSRF token)",
    "404": "No such resource, or not one the caller may see",
    "429": "Too many requests; try again later",
}

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class LanternAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self.error_codes(operation):
            response = responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            if not response.get("description"):
                response["description"] = ERROR_DESCRIPTIONS[code]
        # Every 4xx body is JSON, including the answers a view declares itself (410, 429…).
        for code, response in responses.items():
            if str(code).startswith("4") and "content" not in response:
                component = VALIDATION_ERROR_COMPONENT if code == "400" else ERROR_COMPONENT
                response["content"] = {"application/json": {"schema": self._error_component(component)}}
        return operation

    def error_codes(self, operation: dict) -> list[str]:
        """The 4xx answers this operation can give, judged from how its view is built."""
        parameters = operation.get("parameters", [])
        authenticators = self.view.get_authenticators()
        answers = {
            "400": self._may_be_invalid(operation, parameters),
            # Any request may carry a bad token, whatever the endpoint.
            "401": bool(authenticators),
            "403": self._may_be_forbidden(authenticators),
            "404": _may_name_nothing(parameters),
            "429": bool(self.view.get_throttles()),
        }
        return [code for code, possible in answers.items() if possible]

    def _may_be_invalid(self, operation: dict, parameters: list[dict]) -> bool:
        # A body or a query can be invalid; a write can also be refused by the state it
        # meets (a venue still in use, the last admin), with the same field-keyed answer.
        return (
            self.method in UNSAFE_METHODS or "requestBody" in operation or any(p["in"] == "query" for p in parameters)
        )

    def _may_be_forbidden(self, authenticators: list) -> bool:
        guarded = any(not isinstance(p, AllowAny) for p in self.view.get_permissions())
        csrf = self.method in UNSAFE_METHODS and any(isinstance(a, SessionAuthentication) for a in authenticators)
        return guarded or csrf

    def _error_component(self, name: str) -> dict:
        schema = ERROR_SCHEMA if name == ERROR_COMPONENT else VALIDATION_ERROR_SCHEMA
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref


def _may_name_nothing(parameters: list[dict]) -> bool:
    # A path that names something may name nothing; a page past the last is a 404 too.
    return any(p["in"] == "path" or (p["in"] == "query" and p["name"] == "page") for p in parameters)
