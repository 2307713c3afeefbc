"""The languages the portal speaks: a tenant's default and a person's own choice pick from these.

The short code is what is stored (tenant settings, a user's profile, the session); Babel works with
the full locale, and `<html lang>` with its BCP 47 tag.
"""

SUPPORTED_LOCALES = {"en": "English", "zh": "中文"}

BABEL_LOCALES = {"en": "en", "zh": "zh_Hans"}

HTML_LANG = {"en": "en", "zh": "zh-Hans"}


def code_of(locale: object) -> str:
    """The short code for a Babel locale (`zh_Hans` -> `zh`); English for anything else."""
    for code, babel_name in BABEL_LOCALES.items():
        if locale is not None and str(locale) == babel_name:
            return code
    return "en"
