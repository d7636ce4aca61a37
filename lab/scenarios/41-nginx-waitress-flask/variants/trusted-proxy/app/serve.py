"""Production entry point: the Flask app under waitress (pure Python, no C build), behind nginx.

waitress applies X-Forwarded-Proto and X-Forwarded-For only from trusted_proxy (nginx, on this host),
and only the headers trusted_proxy_headers lists.
"""
from waitress import serve

from app import app

if __name__ == "__main__":
    serve(
        app,
        host="{{APP_ADDR}}",
        port={{APP_PORT}},
        threads=4,
        trusted_proxy="127.0.0.1",
        trusted_proxy_headers="x-forwarded-proto x-forwarded-for",
    )
