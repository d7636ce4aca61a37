from .settings import *  # noqa: F401,F403

# "Force HTTPS" as the Django deployment checklist suggests -- without telling Django how to see it behind a proxy.
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
