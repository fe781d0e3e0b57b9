"""Input that no page can use is refused before any view sees it, as a 400 or a form error.

PostgreSQL refuses NUL bytes in text, ids beyond a column's range overflow the database
driver, and a query parameter never needs a control character (``next=/%09/evil`` is read by
a browser without the tab). Form text keeps tabs and line breaks (comments have paragraphs).
"""

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter
from wtforms import ValidationError

from funding.i18n import lazy as _l

#: The largest id or count a column holds (32-bit signed integer).
MAX_INT = 2**31 - 1
#: Characters no query parameter, path part or file name needs.
LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
#: Characters no form text needs: controls other than tab and line breaks.
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Bidirectional overrides and isolates, zero-width characters and other invisible format
#: characters that make a name read differently from what it is.
INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


class IdConverter(IntegerConverter):
    """``<int:...>`` that matches only what an id column can hold; anything longer is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def bounded_int(text: str) -> int:
    """``int`` for ``request.args.get(..., type=bounded_int)``: out of range is not a number."""
    value = int(text)
    if not -MAX_INT <= value <= MAX_INT:
        raise ValueError(text)
    return value


def refuse_control_characters() -> None:
    """400 for control characters in the query, the path, file names or form text."""
    for key, values in request.args.lists():
        if any(LINE_CONTROLS.search(v) for v in (key, *values)):
            abort(400)
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and LINE_CONTROLS.search(value):
            abort(400)
    if request.method in ("POST", "PUT", "PATCH"):
        # A part whose name a multipart parser cannot read comes with no name (None).
        for key, values in request.form.lists():
            if LINE_CONTROLS.search(key or "") or any(TEXT_CONTROLS.search(v) for v in values):
                abort(400)
        for key, upload in request.files.items(multi=True):
            if LINE_CONTROLS.search(key or "") or LINE_CONTROLS.search(upload.filename or ""):
                abort(400)


def visible_text(_form, field) -> None:
    """A WTForms validator for names and titles: no invisible or direction-changing marks."""
    if field.data and INVISIBLE.search(str(field.data)):
        raise ValidationError(
            _l("Remove the invisible or text-direction characters (they can disguise a name).")
        )


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)
