"""The lab's Flask app: every URL a browser loads is built absolute from the request.

Flask builds absolute URLs (``url_for(..., _external=True)``, ``request.url_root``) from the WSGI
environ's ``wsgi.url_scheme`` and ``Host``. Behind a TLS-terminating proxy that scheme is only right
when the app server (gunicorn's ``forwarded_allow_ips`` + ``secure_scheme_headers``) or Werkzeug's
``ProxyFix`` turned the proxy's X-Forwarded-Proto into it. So a misconfigured chain shows up in the
browser as mixed content (blocked stylesheet and script, form warning) and ``http://`` redirects.
"""

import json

from flask import Flask, jsonify, make_response, redirect, render_template_string, request, url_for

app = Flask(__name__, static_folder="static", static_url_path="/static")
from werkzeug.middleware.proxy_fix import ProxyFix
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>proxyproof lab: flask</title>
<link rel="stylesheet" href="{{ url_for('static', filename='site.css', _external=True) }}">
<script src="{{ url_for('static', filename='site.js', _external=True) }}"></script>
</head>
<body>
<h1 id="title">Flask behind a proxy</h1>
<p>scheme: <span id="scheme">{{ request.scheme }}</span>, secure: <span id="secure">{{ request.is_secure }}</span>,
root: <span id="root">{{ request.url_root }}</span></p>
<form id="form" method="post" action="{{ url_for('login', _external=True) }}">
<input name="user" value="lab"><button type="submit">log in</button>
</form>
<a id="account" href="{{ url_for('account', _external=True) }}">account</a>
<script type="application/json" id="seen">{{ seen_json|safe }}</script>
</body>
</html>
"""


def what_the_app_sees():
    """The same keys as the lab's Django app (`seen`), so tests read every app alike."""
    return {
        "scheme": request.scheme,
        "is_secure": request.is_secure,
        "build_absolute_uri": request.url,
        "get_host": request.host,
        "remote_addr": request.remote_addr,
        "wsgi_url_scheme": request.environ.get("wsgi.url_scheme"),
        "http_host": request.environ.get("HTTP_HOST"),
        "x_forwarded_proto": request.headers.get("X-Forwarded-Proto"),
        "x_forwarded_for": request.headers.get("X-Forwarded-For"),
        "x_forwarded_host": request.headers.get("X-Forwarded-Host"),
        "forwarded": request.headers.get("Forwarded"),
        "path": request.full_path.rstrip("?"),
    }


@app.get("/")
def index():
    # </ cannot end the JSON script element early: escape it
    seen_json = json.dumps(what_the_app_sees(), indent=2).replace("</", "<\\/")
    resp = make_response(render_template_string(PAGE, seen_json=seen_json))
    # A session-style cookie: Secure only when the app believes the request was https.
    resp.set_cookie("labsession", "1", secure=request.is_secure, httponly=True, samesite="Lax")
    return resp


@app.route("/login", methods=["GET", "POST"])
def login():
    # Absolute, like a login view built on request.url_root / an OAuth redirect_uri.
    return redirect(url_for("account", _external=True), code=302)


@app.get("/account/")
def account():
    return "<!doctype html><title>account</title><p id='account-page'>account</p>"


@app.get("/whoami")
def whoami():
    return jsonify(what_the_app_sees())


@app.get("/healthz")
def healthz():
    return "ok"
