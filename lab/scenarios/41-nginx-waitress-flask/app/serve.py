"""Production entry point: the Flask app under waitress (pure Python, no C build), behind nginx.

waitress ignores every X-Forwarded-* header unless trusted_proxy names the peer and
trusted_proxy_headers lists the headers; nothing here does, so the app sees http.
"""
from waitress import serve

from app import app

if __name__ == "__main__":
    serve(app, host="{{APP_ADDR}}", port={{APP_PORT}}, threads=4)
