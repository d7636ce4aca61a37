"""Production settings: nginx terminates TLS in front of gunicorn."""
import os

from .base import *  # noqa: F401,F403

DEBUG = False

ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "example.com").split(",")

# Send every plain-HTTP request to HTTPS.
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30

# Links in password-reset mails must use the public host name.
USE_X_FORWARDED_HOST = True

SESSION_COOKIE_SECURE = True

CSRF_TRUSTED_ORIGINS = ["example.com", "https://www.example.com"]
