"""The portal-wide UX tests reuse the portal's and the admin console's fixtures."""

from tests.admin.conftest import admin_client, admin_user, post  # noqa: F401
from tests.web.conftest import org, other_org  # noqa: F401
