"""The knowledge base's upload form: paste text or choose a file. The rules live in services.documents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"))
    tags = StringField(_l("Tags"), description=_l("Comma-separated, e.g. onboarding, hr"))
    content = TextAreaField(_l("Text"), description=_l("Paste text or Markdown, or choose a file below."))
    file = FileField(_l("File"), description=_l("A text (.txt), Markdown (.md) or PDF (.pdf) file."))
