"""The sandbox's routes, one module per resource, each a `routes(api, ...)` that returns its
APIRouter; lib/sandbox/app.py mounts them. A handler runs lib/sandbox/steps.py's steps (`api`)."""
