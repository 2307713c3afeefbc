"""The workspace pages of the portal: the tenant's knowledge base."""

# The tenant-plane tables and the control-plane record of their revisions join the metadata
# whenever the app is built (create_all in tests, autogenerate, migrations).
import app.placement
import app.workspace.models  # noqa: F401
from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("workspace", __name__)

from app.web.workspace import routes  # noqa: E402,F401
