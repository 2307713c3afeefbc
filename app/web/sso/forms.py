"""Forms of the single sign-on pages. Shape checks only; the rules live in services.sso."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

ROLE_CHOICES = [SelectChoice("member", _l("Member")), SelectChoice("viewer", _l("Viewer")),
                SelectChoice("admin", _l("Admin"))]


class LdapSignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=128)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class _ConnectionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    default_role = SelectField(_l("Role for everyone else"), choices=ROLE_CHOICES, default="member")
    group_roles = TextAreaField(_l("Group to role mapping"), validators=[Optional(), Length(max=10_000)])


class OidcConnectionForm(_ConnectionForm):
    preset = SelectField(_l("Provider"), choices=[SelectChoice("generic", _l("Any OpenID Connect provider")),
                                                  SelectChoice("google", "Google Workspace"),
                                                  SelectChoice("entra", "Microsoft Entra ID")])
    issuer = StringField(_l("Issuer URL"), validators=[Optional(), Length(max=500)])
    directory_id = StringField(_l("Directory (tenant) ID"), validators=[Optional(), Length(max=64)])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=1000)])


class SamlConnectionForm(_ConnectionForm):
    idp_metadata_url = StringField(_l("IdP metadata URL"), validators=[Optional(), Length(max=500)])
    idp_metadata_xml = TextAreaField(_l("…or paste the IdP metadata XML"), validators=[Optional(),
                                                                                     Length(max=80_000)])


class LdapConnectionForm(_ConnectionForm):
    host = StringField(_l("Directory host"), validators=[DataRequired(), Length(max=253)])
    port = StringField(_l("Port"), validators=[Optional(), Length(max=5)])
    security = SelectField(_l("Connection security"), choices=[SelectChoice("ldaps", "LDAPS"),
                                                                SelectChoice("starttls", "StartTLS"),
                                                                SelectChoice("plain", _l("None (127.0.0.1 only)"))])
    base_dn = StringField(_l("Base DN"), validators=[DataRequired(), Length(max=500)])
    user_dn_template = StringField(_l("User DN template"), validators=[DataRequired(), Length(max=500)])


CONNECTION_FORMS = {"oidc": OidcConnectionForm, "saml": SamlConnectionForm, "ldap": LdapConnectionForm}


class DomainForm(FlaskForm):
    domain = StringField(_l("Domain"), validators=[DataRequired(), Length(max=253)])


class RequireSsoForm(FlaskForm):
    require_sso = BooleanField(_l("Require single sign-on for every member"))
