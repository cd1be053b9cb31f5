"""Build the OpenAPI 3.1 document from the app's URL map and the views' ``document``.

Everything a route can answer comes from the code: the request models are
the ones the views validate with, path parameters come from the URL
converters, and the errors shared by a kind of route (no key, bad body,
rate limit, dependency down) from the kind of blueprint it is on (an API
blueprint declares itself: ``registry.document_api_blueprint``). A route
without a ``document`` still appears, flagged ``x-undocumented``, and
``undocumented_routes`` lists such routes for the test that forbids them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from importlib import metadata
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UUIDConverter,
)

from app.openapi.registry import (
    Header,
    Raw,
    ResponseSpec,
    RouteDoc,
    doc_for,
    in_api_blueprint,
    required_role,
)
from app.responses import ErrorResponse
from prospects.success import DEFINITION

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearerAuth"
_IGNORED_METHODS = {"HEAD", "OPTIONS"}
TAG_ORDER = ("predictions", "jobs", "prospects", "rankings", "models", "operations", "docs")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")

_DESCRIPTION = (
    """\
Predicts whether baseball prospects reach MLB success, through a task queue.

"""
    + DEFINITION
    + """

Only prospects get a probability: rookie-eligible (at most 130 MLB AB or 50 MLB IP), not yet
successful, active (a minor-league line in the reference season or the one before, or signed
in one of them, and not released since) and 27 or younger in the reference season. Anyone else
gets an answer with `probability: null` and the rule that excludes him (`eligibility`).

Every endpoint under `/api/ml` needs an API key, sent as `Authorization: Bearer cu_...`
(create one with `callup keys create`), and counts against a per-user rate limit.
Every error has the shape `{"error": {"code", "message", "field"?}}`.
"""
)

# Errors a kind of route gives whatever its view does; a view's own entry wins.
_ERROR_TEXT = {
    400: "`malformed_json`: the body is not JSON; `invalid_header`: a malformed header.",
    401: "`unauthorized`: no key, another scheme, or an unknown or revoked key.",
    403: "`forbidden`: the key's role is too low.",
    413: "`payload_too_large`: the body is over `MAX_CONTENT_LENGTH`.",
    415: "`unsupported_media_type`: the body is not sent as `application/json`.",
    422: "`validation_error`: a field is wrong; `field` names it.",
    429: "`rate_limited`: over the per-user limit; `Retry-After` says when to retry.",
    503: "`unavailable`: Redis, the broker or the database is unreachable; retry after "
    "`Retry-After` seconds.",
}
_RETRY_AFTER = Header("Retry-After", "Seconds to wait before retrying.", {"type": "integer"})
_WWW_AUTHENTICATE = Header("WWW-Authenticate", "The scheme to use: `Bearer`.")


@dataclass(frozen=True)
class _Operation:
    rule: Rule
    method: str
    view: Callable[..., Any]
    doc: RouteDoc | None


def undocumented_routes(app: Flask) -> list[str]:
    """``"METHOD /rule (endpoint)"`` for every route whose view has no ``document``."""
    return [
        f"{op.method} {op.rule.rule} ({op.rule.endpoint})"
        for op in _operations(app)
        if op.doc is None
    ]


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for every route of ``app``."""
    operations = _operations(app)
    refs, schemas = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        path, parameters = _path(op)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, parameters, refs)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Callup API", "version": _version(), "description": _DESCRIPTION},
        "tags": _tags(paths),
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `callup keys create`.",
                }
            },
        },
    }


def _tags(paths: Mapping[str, Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every tag used, the client-facing ones first (the order the docs page shows them)."""
    used = {tag for ops in paths.values() for op in ops.values() for tag in op.get("tags", ())}
    ordered = [t for t in TAG_ORDER if t in used] + sorted(used - set(TAG_ORDER))
    return [{"name": tag} for tag in ordered]


def _version() -> str:
    try:
        return metadata.version("callup")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _operations(app: Flask) -> list[_Operation]:
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        doc = doc_for(rule.endpoint, view)
        for method in sorted((rule.methods or set()) - _IGNORED_METHODS):
            out.append(_Operation(rule, method, view, doc))
    return out


# --- schemas -------------------------------------------------------------------------------


def _models(op: _Operation) -> Iterable[tuple[type[BaseModel], str]]:
    if op.doc is None:
        return
    if op.doc.request is not None and op.method in _BODY_METHODS:
        yield op.doc.request, "validation"
    if op.doc.query is not None:
        yield op.doc.query, "validation"
    for spec in op.doc.responses.values():
        body = spec[0] if isinstance(spec, tuple) else spec
        if isinstance(body, type) and issubclass(body, BaseModel):
            yield body, "serialization"


Refs = Mapping[tuple[type[BaseModel], str], dict[str, Any]]


def _schemas(operations: list[_Operation]) -> tuple[Refs, dict[str, Any]]:
    """One ``$ref`` per (model, mode) and every definition, names deduplicated by pydantic."""
    wanted = {(ErrorResponse, "serialization")}
    for op in operations:
        wanted.update(_models(op))
    ordered = sorted(wanted, key=lambda pair: (pair[0].__module__, pair[0].__qualname__, pair[1]))
    refs, definitions = models_json_schema(ordered, ref_template=REF_TEMPLATE)  # type: ignore[arg-type]
    return refs, dict(sorted(definitions.get("$defs", {}).items()))


# --- paths and parameters ------------------------------------------------------------------


def _converter_schema(converter: Any) -> dict[str, Any]:
    """The JSON schema of what a werkzeug URL converter accepts."""
    if isinstance(converter, IntegerConverter):
        schema: dict[str, Any] = {"type": "integer"}
        minimum = converter.min if converter.min is not None else (None if converter.signed else 0)
        if minimum is not None:
            schema["minimum"] = minimum
        if converter.max is not None:
            schema["maximum"] = converter.max
        return schema
    if isinstance(converter, FloatConverter):
        return {"type": "number"} if converter.signed else {"type": "number", "minimum": 0}
    if isinstance(converter, UUIDConverter):
        return {"type": "string", "format": "uuid"}
    if isinstance(converter, AnyConverter):
        return {"type": "string", "enum": sorted(converter.items)}
    if isinstance(converter, PathConverter):
        return {"type": "string", "minLength": 1}
    return {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}


def _path(op: _Operation) -> tuple[str, list[dict[str, Any]]]:
    """``/a/<int:b>`` → ``/a/{b}`` and its path parameters."""
    converters = getattr(op.rule, "_converters", {})
    overrides = op.doc.path if op.doc is not None else {}
    parameters = []
    for name in _RULE_ARGUMENT.findall(op.rule.rule):
        extra = dict(overrides.get(name, {}))
        description = extra.pop("description", None)
        schema = {**_converter_schema(converters.get(name)), **extra}
        parameter: dict[str, Any] = {"name": name, "in": "path", "required": True, "schema": schema}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return _RULE_ARGUMENT.sub(r"{\1}", op.rule.rule), parameters


def _without_null(schema: Mapping[str, Any]) -> dict[str, Any]:
    """An optional query parameter's schema: absent means unset, so no ``null`` branch."""
    out = {k: v for k, v in schema.items() if not (k == "default" and v is None)}
    branches = out.pop("anyOf", None)
    if branches is None:
        return out
    kept = [b for b in branches if b.get("type") != "null"]
    if len(kept) == 1:
        return {**kept[0], **out}
    out["anyOf"] = kept
    return out


def _query_parameters(query_schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    required = set(query_schema.get("required", ()))
    parameters = []
    for name, prop in query_schema.get("properties", {}).items():
        schema = _without_null(prop)
        description = schema.pop("description", None)
        schema.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": schema,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _header_parameter(header: Header) -> dict[str, Any]:
    return {
        "name": header.name,
        "in": "header",
        "required": header.required,
        "description": header.description,
        "schema": dict(header.schema),
    }


# --- operations ----------------------------------------------------------------------------


def _summary(view: Callable[..., Any], doc: RouteDoc | None) -> tuple[str, str | None]:
    text = (view.__doc__ or "").replace("``", "`").strip()
    first, _, rest = text.partition("\n")
    summary = (doc.summary if doc and doc.summary else first.strip()) or view.__name__
    return summary, (" ".join(rest.split()) or None)


def _content(body: Any, refs: Refs) -> dict[str, Any] | None:
    if body is None:
        return None
    if isinstance(body, Raw):
        types = (body.media_type,) if isinstance(body.media_type, str) else body.media_type
        return {t: {"schema": dict(body.schema)} if body.schema else {} for t in types}
    return {"application/json": {"schema": refs[(body, "serialization")]}}


def _response(
    status: int, spec: ResponseSpec, refs: Refs, headers: tuple[Header, ...]
) -> dict[str, Any]:
    body, description = spec if isinstance(spec, tuple) else (spec, None)
    out: dict[str, Any] = {"description": description or HTTPStatus(status).phrase}
    content = _content(body, refs)
    if content:
        out["content"] = content
    if headers:
        out["headers"] = {
            h.name: {"description": h.description, "schema": dict(h.schema)} for h in headers
        }
    return out


def _automatic_responses(
    op: _Operation, *, authed: bool, limited: bool, role: str | None
) -> dict[int, tuple[ResponseSpec, tuple[Header, ...]]]:
    error: Any = ErrorResponse
    out: dict[int, tuple[ResponseSpec, tuple[Header, ...]]] = {}
    doc = op.doc
    if doc is not None and doc.request is not None and op.method in _BODY_METHODS:
        for status in (400, 413, 415, 422):
            out[status] = ((error, _ERROR_TEXT[status]), ())
    if doc is not None and doc.query is not None:
        out[422] = ((error, _ERROR_TEXT[422]), ())
    if authed:
        out[401] = ((error, _ERROR_TEXT[401]), (_WWW_AUTHENTICATE,))
        out[503] = ((error, _ERROR_TEXT[503]), (_RETRY_AFTER,))
    if role is not None:
        out[403] = ((error, f"{_ERROR_TEXT[403]} Needs the `{role}` role or above."), ())
    if limited:
        out[429] = ((error, _ERROR_TEXT[429]), (_RETRY_AFTER,))
    return out


def _operation(op: _Operation, path_parameters: list[dict[str, Any]], refs: Refs) -> dict[str, Any]:
    doc = op.doc
    endpoint = op.rule.endpoint
    summary, description = _summary(op.view, doc)
    methods = (op.rule.methods or set()) - _IGNORED_METHODS
    operation: dict[str, Any] = {
        "operationId": endpoint if len(methods) == 1 else f"{endpoint}.{op.method.lower()}",
        "summary": summary,
        "tags": list(doc.tags) if doc and doc.tags else [endpoint.split(".")[0]],
    }
    if description:
        operation["description"] = description
    if doc is None:
        operation["x-undocumented"] = True
        operation["parameters"] = path_parameters
        operation["responses"] = {"default": {"description": "Not documented yet."}}
        return operation

    # Declared by app.blueprints.api_blueprint: its views need a key and count against a limit.
    api_view = in_api_blueprint(endpoint)
    authed = doc.auth if doc.auth is not None else api_view
    limited = doc.limited if doc.limited is not None else api_view
    parameters = list(path_parameters)
    if doc.query is not None:
        parameters += _query_parameters(
            doc.query.model_json_schema(mode="validation", ref_template=REF_TEMPLATE)
        )
    parameters += [_header_parameter(h) for h in doc.headers]
    if parameters:
        operation["parameters"] = parameters
    if doc.request is not None and op.method in _BODY_METHODS:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(doc.request, "validation")]}},
        }
    responses: dict[int, tuple[ResponseSpec, tuple[Header, ...]]] = _automatic_responses(
        op, authed=authed, limited=limited, role=required_role(op.view)
    )
    for status, spec in doc.responses.items():
        responses[status] = (spec, doc.response_headers.get(status, ()))
    operation["responses"] = {
        str(status): _response(status, spec, refs, headers)
        for status, (spec, headers) in sorted(responses.items())
    }
    if authed:
        operation["security"] = [{SECURITY_SCHEME: []}]
    return operation
