import { test } from 'node:test';
import { waitressProxyHeadersIgnored as check } from '../../../src/checks/waitress/proxy-headers-ignored.js';
import { type Case, runCase } from '../../python/lint-files.js';

const app = (extra = '') =>
  `from flask import Flask, url_for\n\ndef create_app():\n    app = Flask(__name__)\n${extra}    return app\n`;
const main = (kw = '') =>
  `from waitress import serve\nfrom app import create_app\n\nserve(create_app(), host="0.0.0.0", port=5000${kw})\n`;
const hook =
  "from flask import current_app, request\n\n@bp.before_app_request\ndef detect():\n    proto = request.headers.get('X-Forwarded-Proto', '')\n    current_app.config['PREFERRED_URL_SCHEME'] = proto\n";

const cases: Case[] = [
  {
    name: 'invalid: waitress without trusted_proxy, Flask without ProxyFix, a PREFERRED_URL_SCHEME hook',
    files: { 'app/__init__.py': app(), 'main.py': main(), 'app/routes.py': hook },
    expect: {
      count: 1,
      severity: 'high',
      file: 'main.py',
      line: 1,
      message: /PREFERRED_URL_SCHEME does not fix this/,
    },
  },
  {
    name: 'invalid, loopback only: the ProxyFix wrap is the mechanical fix (0.0.0.0 above gets advice: ProxyFix there is spoofable)',
    files: { 'app/__init__.py': app(), 'main.py': main().replace('"0.0.0.0"', '"127.0.0.1"') },
    // No proxy in the files sets X-Forwarded-Host, so x_host stays off: ProxyFix would otherwise believe a
    // client's own X-Forwarded-Host (nginx passes it on). Same counts as flask/proxyfix-missing: one patch.
    expect: {
      count: 1,
      fixLine: '    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)',
    },
  },
  {
    name: 'medium: no proxy and no hook visible',
    files: { 'app/__init__.py': app(), 'main.py': main() },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'valid: waitress trusted_proxy + trusted_proxy_headers',
    files: {
      'app/__init__.py': app(),
      'main.py': main(', trusted_proxy="172.18.0.2", trusted_proxy_headers="x-forwarded-proto"'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: ProxyFix on the app',
    files: {
      'app/__init__.py': app(
        '    from werkzeug.middleware.proxy_fix import ProxyFix\n    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)\n',
      ),
      'main.py': main(),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): waitress only mentioned in a comment',
    files: { 'app/__init__.py': app(), 'main.py': '# we used waitress once\napp = 1\n' },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`waitress/proxy-headers-ignored: ${c.name}`, () => runCase(check, c).then(() => undefined));
