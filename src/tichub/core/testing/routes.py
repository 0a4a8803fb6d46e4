"""Every URL pattern and every API operation of the project, with the policy it declares."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from tichub.core.routes import policy_of

# Views we did not write, and what they are: Django's language switch and ninja's own schema pages.
FOREIGN_PUBLIC = {"set_language", "api:openapi-json", "api:openapi-view"}
API_PREFIX = "api/v1/"
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    kind: str  # "view" or "api"
    name: str  # "accounts:members" for views, "GET /api/v1/members" for API operations
    path: str  # a Django path pattern, e.g. "accounts/members/<int:user_id>/"
    methods: tuple[str, ...]
    policy: str | None

    def __str__(self) -> str:
        return self.name

    @property
    def params(self) -> list[str]:
        return [a or b for a, b in PARAM.findall(self.path)]

    def url(self, **kwargs: object) -> str:
        path = self.path
        for key, value in kwargs.items():
            path = re.sub(rf"<(?:\w+:)?{key}>|\{{{key}\}}", str(value), path)
        return "/" + path


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, object]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", entry.callback


def view_routes() -> list[Route]:
    routes = []
    for path, name, callback in _walk(get_resolver().url_patterns):
        if path.startswith(API_PREFIX) and name not in FOREIGN_PUBLIC:
            continue  # API operations are listed one by one below
        declared = "public" if name in FOREIGN_PUBLIC else policy_of(callback)  # type: ignore[arg-type]
        routes.append(Route("view", name, path, ("GET", "POST"), declared))
    return routes


def api_routes() -> list[Route]:
    from tichub.config.api import api

    routes = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = API_PREFIX + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.append(Route("api", f"{method} /{full}", full, (method,), policy_of(operation.view_func)))
    return routes


def all_routes() -> list[Route]:
    return view_routes() + api_routes()
