from .settings import *  # noqa: F401,F403

# nginx sends X-Forwarded-Proto; Django trusts it itself (gunicorn's forwarded_allow_ips is left at its default).
SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')
