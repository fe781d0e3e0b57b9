"""Security headers on every response."""

from flask import Response, current_app, request
from flask_login import current_user

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


#: Endpoints whose responses are the same for everyone and may be cached.
PUBLIC_FILES = frozenset({"static", "bootstrap.static"})


def add_headers(response: Response) -> Response:
    """CSP without inline script, no sniffing, no framing, and a strict referrer; nothing a
    logged-in person sees, and no download, is kept by the browser or a proxy; HSTS where
    configured (production)."""
    headers = response.headers
    private = request.endpoint not in PUBLIC_FILES and current_user.is_authenticated
    if private or "attachment" in headers.get("Content-Disposition", ""):
        headers["Cache-Control"] = "no-store"
    if seconds := current_app.config["HSTS_SECONDS"]:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response
