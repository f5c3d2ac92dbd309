"""Security headers every response carries."""

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",  # no inline script anywhere: every script is a file the app serves
    "style-src 'self' 'unsafe-inline'",  # the server-drawn SVG charts carry their own <style>
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", "same-origin")
        return response

    return middleware
