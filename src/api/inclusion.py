"""Routers included in an app, their analysed routes shared by every app the process builds.

FastAPI works out an included router's routes — each parameter, body and
answer model — once per inclusion, on the app's first request: about 0.15 s
for the API's routes, more with the staff pages'. A server builds one app and
pays it once. The test suite builds an app for nearly every test (each on a
database of its own), some 1 700 a run, and paid it each time: a third of the
time of the worker-write tests in a profile. So the first app of a process includes
the routers and has them analysed; a later app with the same routers under
the same prefix gets those same inclusions.

What an inclusion holds does not depend on the app: a request reaches its
app's state through `request.app` (the app serving it), and no app here
overrides dependencies (`app.dependency_overrides`, which would be read from
the first app's). Routers with start-up or shut-down handlers, or a lifespan
of their own, are not shared: FastAPI merges those into the including app.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute

_INCLUDED: dict[tuple[object, ...], list[BaseRoute]] = {}
_LOCK = threading.Lock()


def include_routers(app: FastAPI, routers: Sequence[APIRouter], *, prefix: str = "") -> None:
    """`app.include_router(router, prefix=prefix)` for each of `routers`, in order, analysed once per process."""
    if any(_has_lifecycle(router) for router in routers):
        for router in routers:
            app.include_router(router, prefix=prefix)
        return
    key = (prefix, *(id(router) for router in routers))
    with _LOCK:
        included = _INCLUDED.get(key)
        if included is None:
            start = len(app.router.routes)
            for router in routers:
                app.include_router(router, prefix=prefix)
            included = app.router.routes[start:]
            # Analysed now, in the inclusions kept: every later app finds them done.
            for _ in iter_route_contexts(included):
                pass
            _INCLUDED[key] = included
            return
    app.router.routes.extend(included)


def _has_lifecycle(router: APIRouter) -> bool:
    default = APIRouter().lifespan_context
    return bool(router.on_startup or router.on_shutdown) or type(router.lifespan_context) is not type(default)
