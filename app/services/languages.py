"""The languages the portal speaks: a tenant's default and a person's own choice pick from these."""

SUPPORTED_LOCALES = {"en": "English", "zh": "中文"}
