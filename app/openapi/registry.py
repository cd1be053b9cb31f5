"""What a view reads and answers with, declared beside the view for the OpenAPI generator.

``@document(...)`` names the pydantic models the view validates its input
with (the same classes it passes to ``parse_json_body``/``parse_query``) and
the models of its answers by status. Errors every route of a kind can give
(401 without a key, 422 for a bad body, 429, 503...) are added by the
generator from what the code does, so a view lists only its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__callup_openapi__"


@dataclass(frozen=True)
class Raw:
    """A body that is not a pydantic model: its media type(s) and, optionally, a JSON schema."""

    media_type: str | tuple[str, ...]
    schema: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Header:
    """A request or response header."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


Body = type[BaseModel] | Raw | None
ResponseSpec = Body | tuple[Body, str]


@dataclass(frozen=True)
class RouteDoc:
    """One view's contract; see ``document``."""

    responses: Mapping[int, ResponseSpec]
    tags: tuple[str, ...] = ()
    request: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: tuple[Header, ...] = ()
    response_headers: Mapping[int, tuple[Header, ...]] = field(default_factory=dict)
    path: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    summary: str | None = None
    auth: bool | None = None
    limited: bool | None = None


_BY_ENDPOINT: dict[str, RouteDoc] = {}
_API_BLUEPRINTS: set[str] = set()  # names of blueprints whose views need a key and a limit


def document(
    *,
    responses: Mapping[int, ResponseSpec],
    tags: tuple[str, ...] | list[str] = (),
    request: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    headers: tuple[Header, ...] | list[Header] = (),
    response_headers: Mapping[int, tuple[Header, ...]] | None = None,
    path: Mapping[str, Mapping[str, Any]] | None = None,
    summary: str | None = None,
    auth: bool | None = None,
    limited: bool | None = None,
) -> Callable[[F], F]:
    """Attach a view's contract to it.

    ``responses`` maps a status to a model, a ``Raw`` body, ``None`` (no body),
    or ``(body, description)``. ``path`` adds schema keywords or a description
    to path parameters (their type comes from the URL converter). ``summary``
    defaults to the docstring's first line; ``auth``/``limited`` default to
    whether the view's blueprint is a declared API blueprint (``document_api_blueprint``).
    """
    doc = RouteDoc(
        responses=dict(responses),
        tags=tuple(tags),
        request=request,
        query=query,
        headers=tuple(headers),
        response_headers=dict(response_headers or {}),
        path=dict(path or {}),
        summary=summary,
        auth=auth,
        limited=limited,
    )

    def decorator(view: F) -> F:
        setattr(view, ATTRIBUTE, doc)
        return view

    return decorator


def document_endpoint(endpoint: str, doc: RouteDoc) -> None:
    """Document a view that cannot be decorated (one a library registers)."""
    _BY_ENDPOINT[endpoint] = doc


def document_api_blueprint(name: str) -> None:
    """Declare that every view of blueprint ``name`` needs a key and counts against a limit.

    ``app.blueprints.api_blueprint`` says so when it builds one, so the
    generator reads a registration rather than guessing from the hooks a
    blueprint runs (and their function names).
    """
    _API_BLUEPRINTS.add(name)


def in_api_blueprint(endpoint: str) -> bool:
    """Whether ``endpoint`` (``blueprint[.child].view``) belongs to a declared API blueprint."""
    return any(name in _API_BLUEPRINTS for name in endpoint.split(".")[:-1])


def doc_for(endpoint: str, view: Callable[..., Any]) -> RouteDoc | None:
    """The contract of ``view`` (looking through ``functools.wraps`` wrappers), if any."""
    if endpoint in _BY_ENDPOINT:
        return _BY_ENDPOINT[endpoint]
    seen: Callable[..., Any] | None = view
    while seen is not None:
        doc = getattr(seen, ATTRIBUTE, None)
        if isinstance(doc, RouteDoc):
            return doc
        seen = getattr(seen, "__wrapped__", None)
    return None


def required_role(view: Callable[..., Any]) -> str | None:
    """The role ``app.auth.require_role`` demands of ``view``, if it is gated."""
    seen: Callable[..., Any] | None = view
    while seen is not None:
        role = getattr(seen, "__callup_role__", None)
        if isinstance(role, str):
            return role
        seen = getattr(seen, "__wrapped__", None)
    return None
