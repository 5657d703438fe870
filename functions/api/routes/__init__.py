"""One module per resource. Each route parses its request, calls one use case and shapes the
reply; none touches a store. Importing the package registers every route, in this order (the
order of the role-by-route tables in README.md and docs/api.md)."""

# isort: skip_file
from api.routes import customers  # noqa: F401
from api.routes import contacts  # noqa: F401
from api.routes import cases  # noqa: F401
from api.routes import call_handlers  # noqa: F401
from api.routes import read_queue  # noqa: F401
from api.routes import export  # noqa: F401
from api.routes import audit  # noqa: F401
from api.routes import erasure  # noqa: F401
