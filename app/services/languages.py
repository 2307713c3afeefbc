"""The languages the portal speaks: a tenant's default and a person's own choice pick from these.

The short code is what is stored (tenant settings, a user's profile, the session); Babel works with
the full locale, and `<html lang>` with its BCP 47 tag.
"""

SUPPORTED_LOCALES = {"en": "English", "zh": "中文"}

BABEL_LOCALES = {"en": "en", "zh": "zh_Hans"}

HTML_LANG = {"en": "en", "zh": "zh-Hans"}
