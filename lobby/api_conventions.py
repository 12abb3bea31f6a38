"""How the lobby JSON API speaks, on django-ninja (docs/api.md, Conventions).

`LobbyApi` is a NinjaAPI that authenticates with a bearer token or the session (with
Django's CSRF check for a signed-in session, as the pages have), reads bodies as JSON
objects, and answers every refusal, ninja's own included, in the envelope
`{"error": {"code", "message", ...}}` with the codes of lobby/api_schemas.py.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from ninja import Body, NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from lobby import services
from lobby.api_schemas import status_of
from lobby.auth import bearer_token, user_for_token
from lobby.models import User
from lobby.services import LobbyError

MESSAGES = {
    "BAD_JSON": "The body must be a JSON object sent as application/json.",
    "BAD_TOKEN": "That token is not valid.",
    "LOGIN_FAILED": "Please enter a correct username and password of a registered account.",
    "CSRF_FAILED": "Session requests need the CSRF token (X-CSRFToken header).",
    "METHOD_NOT_ALLOWED": "This URL does not take that method.",
}

# The refusals every operation of a kind may answer, besides its own.
SIGNED_IN = ("AUTH_REQUIRED", "BAD_TOKEN")
WRITE = (*SIGNED_IN, "CSRF_FAILED")
# Anyone may call these; a wrong token is still refused, and a session still needs CSRF.
ANYONE_WRITES = ("BAD_TOKEN", "CSRF_FAILED")
WITH_BODY = ("BAD_JSON", "BAD_REQUEST")

# Every RATE_LIMITED answer says how long to wait, in the header and in `retry_after`.
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def error_response(code: str, message: str = "", **extra: Any) -> JsonResponse:
    message = message or MESSAGES.get(code) or services.MESSAGES.get(code, code)
    body = {"error": {"code": code, "message": message, **extra}}
    return JsonResponse(body, status=status_of(code))


def refused(code: str) -> LobbyError:
    """A refusal of the API itself, in its own words (MESSAGES)."""
    return LobbyError(code, MESSAGES[code])


def json_object(request: HttpRequest) -> dict[str, Any]:
    """The body of a POST: a JSON object, or `{}` when empty; anything else is BAD_JSON."""
    if request.method != "POST" or not request.body:
        return {}
    if request.content_type != "application/json":
        # An empty form body (what many HTTP clients send with no data) is no body.
        if request.POST:
            raise refused("BAD_JSON")
        return {}
    try:
        body = json.loads(request.body)
    except ValueError:
        raise refused("BAD_JSON") from None
    if not isinstance(body, dict):
        raise refused("BAD_JSON")
    return body


View = Callable[..., Any]

# A body parameter's default: an absent body is the empty object, so its schema says
# which field is missing.
EMPTY_OBJECT = Body({}, validate_default=True)


def no_body(view: View) -> View:
    """A POST that takes no body still refuses one that is not a JSON object."""

    @wraps(view)
    def checked(request: HttpRequest, **kwargs: Any) -> Any:
        json_object(request)
        return view(request, **kwargs)

    return checked


class JsonObjectParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return json_object(request)


def _csrf_rejected(request: HttpRequest) -> bool:
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`. A request with that header is the token's or no
    one's: a wrong, expired or revoked token, or another scheme, is BAD_TOKEN, with no
    fall back to the session."""

    def __call__(self, request: HttpRequest) -> User | None:
        authorization = request.headers.get("Authorization")
        if authorization is None:
            return None
        return self.authenticate(request, bearer_token(authorization) or "")

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = user_for_token(token)
        if user is None:
            raise refused("BAD_TOKEN")
        request.user = user
        return user


class SessionCookie(APIKeyCookie):
    """The browser's session cookie. A signed-in session's writes need the CSRF token, as
    the pages' forms do (`csrf` also tells the docs page to send it)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        # Not ninja's own check, which refuses anonymous writes too, in its own words.
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if not request.user.is_authenticated:
            return None
        if _csrf_rejected(request):
            raise refused("CSRF_FAILED")
        return request.user


def _anyone(request: HttpRequest) -> User | AnonymousUser:
    return request.user


SIGNED_IN_AUTH = [BearerToken(), SessionCookie()]
# Operation options for calls anyone may make: an empty requirement makes credentials
# optional in the OpenAPI document.
ANYONE = {"auth": [*SIGNED_IN_AUTH, _anyone], "openapi_extra": {"security": [{}]}}


def _lobby_error(request: HttpRequest, error: LobbyError) -> JsonResponse:
    extra: dict[str, Any] = {"field": error.field} if error.field else {}
    if error.retry_after:
        extra["retry_after"] = error.retry_after
    response = error_response(error.code, error.message, **extra)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def _no_identity(request: HttpRequest, error: AuthenticationError) -> JsonResponse:
    return error_response("AUTH_REQUIRED")


def _bad_request(request: HttpRequest, error: ValidationError) -> JsonResponse:
    (detail,) = error.errors
    return error_response("BAD_REQUEST", detail["message"], field=detail["field"])


def _bad_json(request: HttpRequest, error: HttpError) -> JsonResponse:
    # Ninja raises HttpError only when the parser refuses a body (JsonObjectParser).
    return error_response("BAD_JSON")


def _django_answers(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE and the like: Django answers 400 and logs
    # it to django.security, as for every page.
    raise error


def _method_not_allowed(request: HttpRequest) -> JsonResponse:
    return error_response("METHOD_NOT_ALLOWED")


class LobbyApi(NinjaAPI):
    """A NinjaAPI speaking this API's conventions. Its docs page loads Swagger UI from
    this server (the `ninja` app's static files), never from a CDN."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            auth=SIGNED_IN_AUTH,
            parser=JsonObjectParser(),
            # Swagger UI would send the document's URL to validator.swagger.io.
            docs=Swagger(settings={"validatorUrl": None}),
            docs_url="/docs/",
            **options,
        )

    def set_default_exception_handlers(self) -> None:
        super().set_default_exception_handlers()
        self.add_exception_handler(LobbyError, _lobby_error)
        self.add_exception_handler(AuthenticationError, _no_identity)
        self.add_exception_handler(ValidationError, _bad_request)
        self.add_exception_handler(HttpError, _bad_json)
        self.add_exception_handler(SuspiciousOperation, _django_answers)

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        # A body that does not fit its schema is BAD_REQUEST naming the first field at
        # fault, in the order the schema lists them; `null` counts as absent.
        error = error_contexts[0].pydantic_validation_error.errors(include_url=False)[0]
        field = str(error["loc"][-1])
        absent = error["type"] == "missing" or error["input"] is None
        message = f"'{field}' is required." if absent else f"'{field}' has the wrong type."
        return ValidationError([{"field": field, "message": message}])

    def get_content_type(self) -> str:
        # As Django's JsonResponse, which answered for this API before ninja.
        return "application/json"

    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__

    def get_openapi_schema(self, **options: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**options)
        for path in schema["paths"].values():
            for operation in path.values():
                limited = operation["responses"].get(429)
                if limited is not None:
                    limited["headers"] = {"Retry-After": RETRY_AFTER}
        return schema


def refuse_other_methods(router: Router) -> None:
    """Call once the router's operations are declared. Ninja answers a method that a URL
    does not take with a plain-text 405: a hidden operation on every URL takes the other
    methods and refuses them in the envelope."""
    for path, view in list(router.path_operations.items()):
        taken = {method for operation in view.operations for method in operation.methods}
        others = [method for method in HTTP_METHODS if method not in taken]
        with warnings.catch_warnings():
            # The refusal reads nothing of the URL, such as a lobby's code.
            warnings.filterwarnings("ignore", "Field.* are in the view path")
            router.api_operation(others, path, auth=None, include_in_schema=False)(
                _method_not_allowed
            )
