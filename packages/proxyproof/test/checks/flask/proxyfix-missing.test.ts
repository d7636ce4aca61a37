import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyfixMissing as check } from '../../../src/checks/flask/proxyfix-missing.js';
import { compose, nginxTls, systemdUnit } from '../../python/fixtures.js';
import { type Case, lintFiles, runCase } from '../../python/lint-files.js';

const bare = 'from flask import Flask\n\napp = Flask(__name__)\n\n@app.route("/")\ndef index():\n    return "ok"\n';
const fixed =
  'from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\n\napp = Flask(__name__)\napp.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)\n';
const factory =
  'from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\n\ndef create_app():\n    app = Flask(__name__)\n    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)\n    return app\n';

/** nginx ending TLS and handing requests to uWSGI with the stock uwsgi_params (HTTPS $https, REMOTE_ADDR ...). */
function uwsgiTls(pass: string): string {
  return nginxTls('http://unused', []).replace('proxy_pass http://unused;', `include uwsgi_params;\n        ${pass}`);
}

const cases: Case[] = [
  {
    name: 'valid: ProxyFix applied',
    files: {
      'app.py': fixed,
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): ProxyFix inside an app factory',
    files: { 'app.py': factory, 'site.conf': nginxTls('http://127.0.0.1:8000') },
    expect: { count: 0 },
  },
  { name: 'valid: no proxy and no server seen', files: { 'app.py': bare }, expect: { count: 0 } },
  {
    name: "medium: a Procfile web process (Heroku-style router ends TLS) running Werkzeug's own server",
    files: {
      'app.py': `${bare}\nif __name__ == "__main__":\n    app.run(host="0.0.0.0", port=5000)\n`,
      Procfile: 'web: python app.py\n',
    },
    expect: { count: 1, severity: 'medium', file: 'app.py', line: 3 },
  },
  {
    name: 'low: gunicorn on loopback already takes the scheme (only client IP lost)',
    files: {
      'app.py': bare,
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 1, severity: 'low', message: /remote_addr/, file: 'app.py', line: 3 },
  },
  {
    name: 'medium: nginx container, gunicorn ignores it',
    files: {
      'app.py': bare,
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'medium: the app already wraps its WSGI app: the finding and the fix are at that line (ProxyFix outermost)',
    files: {
      'app.py': `${bare}\nclass Prefix:\n    def __init__(self, app):\n        self.app = app\n\n    def __call__(self, environ, start_response):\n        return self.app(environ, start_response)\n\napp.wsgi_app = Prefix(app.wsgi_app)  # (mounted under a prefix)\n`,
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'app.py',
      line: 16,
      fixAt: { line: 16, placement: 'after' },
      fixLine: 'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)',
    },
  },
  {
    name: 'trap: a WSGI wrap written over several lines keeps the fix after the creation line (a line inside the call would break it)',
    files: {
      'app.py': `${bare}\nclass Prefix:\n    def __init__(self, app):\n        self.app = app\n\napp.wsgi_app = Prefix(\n    app.wsgi_app,\n)\n`,
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, severity: 'medium', file: 'app.py', line: 3, fixAt: { line: 3, placement: 'after' } },
  },
  {
    name: "low (trap): uWSGI behind nginx's uwsgi_pass already takes the scheme (X-Forwarded-Proto / HTTPS param): only the client address is in question",
    files: {
      'app.py': bare,
      'uwsgi.ini': '[uwsgi]\nmodule = app:app\nsocket = 127.0.0.1:8001\n',
      'site.conf': uwsgiTls('uwsgi_pass 127.0.0.1:8001;'),
    },
    expect: { count: 1, severity: 'low', message: /scheme comes from uwsgi .*REMOTE_ADDR/, file: 'app.py', line: 3 },
  },
  {
    name: 'low (trap): an ini naming only the module (the image supplies the socket) still runs the app under uWSGI',
    files: {
      'app.py': bare,
      'uwsgi.ini': '[uwsgi]\nmodule = app\ncallable = app\n',
      'site.conf': uwsgiTls('uwsgi_pass unix:///tmp/uwsgi.sock;'),
    },
    expect: { count: 1, severity: 'low', message: /scheme comes from uwsgi/ },
  },
  {
    name: 'medium: uWSGI http-socket behind an nginx that ends TLS and sends no X-Forwarded-Proto',
    files: {
      'app.py': bare,
      'uwsgi.ini': '[uwsgi]\nmodule = app:app\nhttp-socket = 127.0.0.1:8000\n',
      'site.conf': nginxTls('http://127.0.0.1:8000', ['proxy_set_header Host $host;']),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'medium: a uWSGI ini for another package does not vouch for this app when gunicorn runs it',
    files: {
      'app.py': bare,
      'other.ini': '[uwsgi]\nmodule = other:app\nsocket = 127.0.0.1:8001\n',
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, severity: 'medium' },
  },
];

for (const c of cases) test(`flask/proxyfix-missing: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('where the lost scheme shows: the app code that builds absolute URLs from the request is cited (the first three), not when the scheme arrives', async () => {
  const { findings } = await lintFiles(
    {
      'web/app.py': `${bare}\nif __name__ == "__main__":\n    app.run(host="0.0.0.0", port=5000)\n`,
      'web/routes.py':
        'from flask import request\n\ndef login():\n    return redirect(oauth.authorize_url(redirect_uri=urljoin(request.host_url, "/cb")))\n',
      'other/tool.py': 'def x(request):\n    return request.host_url\n',
      Procfile: 'web: python web/app.py\n',
    },
    [check],
  );
  const at = findings[0]?.evidence.map((e) => `${e.file}:${e.line}`) ?? [];
  assert.ok(at.includes('web/routes.py:4'), at.join(' '));
  assert.ok(!at.includes('other/tool.py:2'), at.join(' '));
  const loopback = await lintFiles(
    {
      'app.py': bare,
      'routes.py': 'def login():\n    return request.host_url\n',
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    [check],
  );
  assert.ok(!loopback.findings[0]?.evidence.some((e) => e.file === 'routes.py'));
});
