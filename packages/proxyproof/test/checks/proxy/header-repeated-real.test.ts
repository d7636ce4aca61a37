/**
 * What real app servers do with two header lines of one name, as nginx sends them for a repeated
 * `proxy_set_header` (test/nginx-facts/real-nginx.test.ts): the facts `proxy/header-repeated` and
 * `proxy/forwarded-proto-appended` state in their messages and docs. Each server gets the same raw request over
 * loopback: Debian's gunicorn 20.1 and uvicorn 0.17 (h11), and Node's own http server. Django's host validation
 * (Debian's 3.2) is asked about the value gunicorn makes of two Host lines.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  listenOnFreePort,
  REQUEST_SAFETY_TIMEOUT_MS,
  type RealProgram,
  RUN_SAFETY_TIMEOUT_MS,
  startOnFreePorts,
} from '../../real-program.js';

const PYTHON = '/usr/bin/python3';
const GUNICORN = '/usr/bin/gunicorn';
const have = existsSync(GUNICORN) && existsSync(PYTHON);

/** Sends one raw HTTP/1.1 request (header lines as given) and returns the status line and the body. */
function rawRequest(port: number, lines: string[]): Promise<{ status: string; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let data = '';
    sock.setTimeout(REQUEST_SAFETY_TIMEOUT_MS, () =>
      sock.destroy(new Error(`no answer from :${port} in ${REQUEST_SAFETY_TIMEOUT_MS / 1000} s`)),
    );
    sock.on('connect', () => sock.write(`GET / HTTP/1.1\r\n${lines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`));
    sock.on('data', (c) => {
      data += String(c);
    });
    sock.on('error', reject);
    sock.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n', 2);
      resolve({ status: head.split('\r\n')[0] ?? '', body });
    });
  });
}

const HOST2 = ['Host: a.example', 'Host: a.example:443'];
const XFF2 = ['Host: a.example', 'X-Forwarded-For: 198.51.100.1', 'X-Forwarded-For: 203.0.113.6, 198.51.100.2'];
const XFP2 = ['Host: a.example', 'X-Forwarded-Proto: https', 'X-Forwarded-Proto: http'];

describe('two header lines of one name at real app servers', { skip: have ? false : 'gunicorn/python3 not installed' }, () => {
  let dir = '';
  let gunicorn: RealProgram | undefined;
  let uvicorn: RealProgram | undefined;
  const node = createServer((req, res) => res.end(JSON.stringify(req.headers)));
  let nodePort = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-repeat-'));
    // Each app answers with what its server made of the request, as JSON, and a marker only it gives.
    writeFileSync(
      join(dir, 'wsgiapp.py'),
      'import json\ndef app(environ, start_response):\n' +
        '    body = json.dumps({k: environ.get(k) for k in ("HTTP_HOST", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "wsgi.url_scheme", "REMOTE_ADDR")}).encode()\n' +
        '    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])\n' +
        '    return [body]\n',
    );
    writeFileSync(
      join(dir, 'asgiapp.py'),
      'import json\nasync def app(scope, receive, send):\n    if scope["type"] != "http": return\n' +
        '    body = json.dumps({"client": scope["client"][0], "scheme": scope["scheme"]}).encode()\n' +
        '    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})\n' +
        '    await send({"type": "http.response.body", "body": body})\n',
    );
    const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
    const answers =
      (marker: string) =>
      async ([port]: number[]) =>
        (await rawRequest(port as number, ['Host: a.example'])).body.includes(marker);
    gunicorn = await startOnFreePorts({
      name: 'gunicorn',
      ports: 1,
      command: ([p]) => ({ cmd: GUNICORN, args: ['-b', `127.0.0.1:${p}`, '--chdir', dir, 'wsgiapp:app'], cwd: dir, env }),
      ready: answers('wsgi.url_scheme'),
    });
    uvicorn = await startOnFreePorts({
      name: 'uvicorn',
      ports: 1,
      command: ([p]) => ({
        cmd: PYTHON,
        args: [
          '-m',
          'uvicorn',
          '--host',
          '127.0.0.1',
          '--port',
          String(p),
          '--proxy-headers',
          '--forwarded-allow-ips',
          '*',
          'asgiapp:app',
        ],
        cwd: dir,
        env,
      }),
      ready: answers('"scheme"'),
    });
    nodePort = await listenOnFreePort(node);
  });
  after(async () => {
    await gunicorn?.stop();
    await uvicorn?.stop();
    node.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('gunicorn 20.1 joins two Host and two X-Forwarded-For lines with ","; two different X-Forwarded-Proto lines are a 400', async () => {
    const port = gunicorn?.ports[0] as number;
    const host = await rawRequest(port, HOST2);
    assert.equal(JSON.parse(host.body).HTTP_HOST, 'a.example,a.example:443');
    const xff = await rawRequest(port, XFF2);
    assert.equal(JSON.parse(xff.body).HTTP_X_FORWARDED_FOR, '198.51.100.1,203.0.113.6, 198.51.100.2');
    const xfp = await rawRequest(port, XFP2);
    assert.match(xfp.status, / 400 /);
    assert.match(xfp.body, /Contradictory scheme headers/);
    // Each line is compared on its own (http/message.py): two lines that agree are https (nginx's `$scheme` and a
    // literal `https` on TLS; chain/simulate.ts headerLines), and X-Forwarded-Proto https beside X-Forwarded-Ssl off
    // (both default secure_scheme_headers) is a 400 too.
    const same = await rawRequest(port, ['Host: a.example', 'X-Forwarded-Proto: https', 'X-Forwarded-Proto: https']);
    assert.equal(JSON.parse(same.body)['wsgi.url_scheme'], 'https');
    const ssl = await rawRequest(port, ['Host: a.example', 'X-Forwarded-Proto: https', 'X-Forwarded-Ssl: off']);
    assert.match(ssl.status, / 400 /);
    assert.match(ssl.body, /Contradictory scheme headers/);
    // Trap: both lines say http (a plain request): no contradiction, http.
    const plain = await rawRequest(port, ['Host: a.example', 'X-Forwarded-Proto: http', 'X-Forwarded-Ssl: off']);
    assert.equal(JSON.parse(plain.body)['wsgi.url_scheme'], 'http');
  });

  test("Django 3.2's host validation refuses the Host gunicorn joins from two lines, even one value twice", () => {
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        'from django.http.request import split_domain_port, validate_host\n' +
          'for h in ("a.example,a.example:443", "a.example,a.example", "a.example"):\n' +
          '    d, _ = split_domain_port(h); print(h, bool(d) and validate_host(d, ["a.example"]))',
      ],
      { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'a.example,a.example:443 False',
      'a.example,a.example False',
      'a.example True',
    ]);
  });

  test('uvicorn 0.17 (h11) refuses two Host lines; its proxy headers read the last X-Forwarded-For and X-Forwarded-Proto line', async () => {
    const port = uvicorn?.ports[0] as number;
    assert.match((await rawRequest(port, HOST2)).status, / 400 /);
    // With --forwarded-allow-ips '*' uvicorn 0.17 takes the leftmost item of the (last) X-Forwarded-For line.
    assert.equal(JSON.parse((await rawRequest(port, XFF2)).body).client, '203.0.113.6');
    assert.equal(JSON.parse((await rawRequest(port, XFP2)).body).scheme, 'http');
  });

  test('Node\'s http keeps the first Host line and joins two X-Forwarded-For or X-Forwarded-Proto lines with ", "', async () => {
    assert.equal(JSON.parse((await rawRequest(nodePort, HOST2)).body).host, 'a.example');
    assert.equal(
      JSON.parse((await rawRequest(nodePort, XFF2)).body)['x-forwarded-for'],
      '198.51.100.1, 203.0.113.6, 198.51.100.2',
    );
    assert.equal(JSON.parse((await rawRequest(nodePort, XFP2)).body)['x-forwarded-proto'], 'https, http');
  });
});
