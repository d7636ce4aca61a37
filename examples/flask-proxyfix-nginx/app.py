"""shop.example.com: Flask behind nginx (nginx/sites-enabled/shop), served by gunicorn."""
from flask import Flask, redirect, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
# One proxy (nginx) in front: trust one value of each header.
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


@app.route("/")
def index():
    return {"self": url_for("index", _external=True), "client": request.remote_addr}


@app.route("/login")
def login():
    return redirect(url_for("index", _external=True))
