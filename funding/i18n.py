"""Language choice (?lang=, remembered in a cookie) and template helpers for money and dates."""

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale, lazy_gettext

from funding.money import capitals, format_fen

LANG_COOKIE = "lang"
lazy = lazy_gettext


def _requested_code() -> str | None:
    if not has_request_context():
        return None
    code = request.args.get("lang")
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The ``?lang=`` of this request, else the remembered choice, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    code = _requested_code() or request.cookies.get(LANG_COOKIE)
    return languages.get(code, current_app.config["BABEL_DEFAULT_LOCALE"])


def current_code() -> str:
    """The short code (``zh`` or ``en``) of the locale in use."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def remember_language(response: Response) -> Response:
    """Keep a ``?lang=`` choice for the visitor's next pages (a preference, not state)."""
    code = _requested_code()
    if code:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(format_fen, "money")
    app.add_template_filter(capitals, "capitals")
    app.add_template_global(localized)
    app.add_template_global(join_localized)
    app.add_template_global(own_errors)
    from funding.labels import EVENT_LABELS, FIELD_LABELS, WAITS_ON_LABELS, enums, keyed, label

    app.add_template_global(label)
    app.add_template_filter(label, "label")
    app.add_template_global(join_words)
    app.add_template_global(enums, "enums")
    from funding.ledger.labels import account_label, movement_label

    app.add_template_global(account_label)
    app.add_template_global(movement_label)
    app.add_template_global(keyed(EVENT_LABELS), "event_label")
    app.add_template_global(keyed(FIELD_LABELS), "field_label")
    app.add_template_global(keyed(WAITS_ON_LABELS), "waits_label")
    app.add_template_filter(lambda d: format_date(d, "medium") if d else "—", "date")
    app.add_template_filter(lambda d: format_datetime(d, "medium") if d else "—", "datetime")

    @app.context_processor
    def language_context() -> dict:
        code = current_code()
        return {
            "lang_code": code,
            "html_lang": "en" if code == "en" else "zh-CN",
            "other_lang": "zh" if code == "en" else "en",
        }


def localized(obj, attr: str) -> str:
    """``obj.<attr>_en`` for English visitors when it exists, else ``obj.<attr>`` (``obj`` may
    also be a dict, such as a rubric criterion)."""
    get = (
        obj.get if isinstance(obj, dict) else lambda name, default=None: getattr(obj, name, default)
    )
    if current_code() == "en":
        value = get(f"{attr}_en", None)
        if value:
            return value
    return get(attr)


def join_words(words) -> str:
    """Words joined the way the language lists things (、 or a comma)."""
    return (", " if current_code() == "en" else "、").join(str(w) for w in words)


def join_localized(items, attr: str = "name") -> str:
    """Localized names joined the way the language lists things."""
    return join_words(localized(item, attr) for item in items)


def own_errors(field) -> list[str]:
    """A list field's own messages, without the nested errors of its rows."""
    return [str(e) for e in field.errors if not isinstance(e, dict | list)]
