"""Who is calling, when an API route acts for a person rather than for a key."""

from __future__ import annotations

from flask_babel import gettext

from app.models import User
from app.services.errors import PermissionDenied
from app.tenancy.principal import current_principal


class UserTokenRequired(PermissionDenied):
    code = "user_token_required"


def calling_user() -> User:
    """The person behind this request's access token; an API key acts for no one, so it is refused.

    Leaving an organisation, accepting an invitation and creating an organisation of one's own are
    things a person does: they need a user's token from POST /auth/token.
    """
    user = current_principal().user
    if user is None:
        raise UserTokenRequired(gettext("This needs a user's access token (POST /auth/token); "
                                        "an API key acts for no person."))
    return user
