/**
 * Listen ports and upstream ports written as template values (Ansible/Jinja roles: `bind *:{{ port }} ssl`,
 * `<VirtualHost *:{{ https_port }}>`, `listen {{ port }} ssl`, `server s1 127.0.0.1:{{ app_port }}`): the proxy is
 * still a hop that starts a chain (found in a held-out Ansible role whose HAProxy and Apache templates were read
 * and then silently dropped: no hop, no finding, exit 0), its label says the port is unknown, and an upstream whose
 * port is a template value is "a template value", not "chosen per request".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listenerPortsText, templatedListen } from '../../src/chain/addr.js';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const HAPROXY = (bind: string, server: string) =>
  `defaults\n  mode http\nfrontend fe\n  bind ${bind} ssl crt /etc/ssl/site.pem\n  default_backend app\nbackend app\n  server s1 ${server}\n`;
const APACHE = (vhost: string, upstream: string) =>
  `<VirtualHost ${vhost}>\n  ServerName {{ domain }}\n  SSLEngine on\n  SSLCertificateFile /etc/ssl/x.pem\n  ProxyPass / ${upstream}\n</VirtualHost>\n`;
const NGINX = (listen: string, pass: string) =>
  `server {\n  listen ${listen} ssl;\n  server_name {{ domain }};\n  ssl_certificate /etc/ssl/x.pem;\n  ssl_certificate_key /etc/ssl/x.key;\n  location / {\n    proxy_pass ${pass};\n  }\n}\n`;

interface Case {
  name: string;
  files: Record<string, string>;
  kind: string;
  /** The hop's label ports (`?` for a templated port). */
  ports: string;
  portUnknown: boolean;
  finding: string;
  /** The upstream's unresolved reason, when it is a template value. */
  templateUpstream: boolean;
}

const CASES: Case[] = [
  {
    name: 'HAProxy bind and server ports from a template',
    files: { 'roles/rp/templates/haproxy.cfg.j2': HAPROXY('*:{{ port }}', '127.0.0.1:{{ app_port }}') },
    kind: 'haproxy',
    ports: '?',
    portUnknown: true,
    finding: 'proxy/forwarded-proto-missing',
    templateUpstream: true,
  },
  {
    name: 'HAProxy literal bind (trap: unchanged)',
    files: { 'haproxy.cfg': HAPROXY('*:443', '127.0.0.1:8000') },
    kind: 'haproxy',
    ports: '443',
    portUnknown: false,
    finding: 'proxy/forwarded-proto-missing',
    templateUpstream: false,
  },
  {
    name: 'Apache VirtualHost port from a template',
    files: { 'roles/web/templates/site.conf.j2': APACHE('*:{{ https_port }}', 'http://127.0.0.1:8000/') },
    kind: 'apache',
    ports: '?',
    portUnknown: true,
    finding: 'proxy/forwarded-proto-missing',
    templateUpstream: false,
  },
  {
    name: 'Apache VirtualHost and ProxyPass ports from a template',
    files: { 'roles/web/templates/site.conf.j2': APACHE('*:{{ https_port }}', 'http://127.0.0.1:{{ app_port }}/') },
    kind: 'apache',
    ports: '?',
    portUnknown: true,
    finding: 'proxy/forwarded-proto-missing',
    templateUpstream: true,
  },
  {
    name: 'nginx listen and proxy_pass ports from a template',
    files: { 'roles/web/templates/site.conf.j2': NGINX('{{ port }}', 'http://127.0.0.1:{{ app_port }}') },
    kind: 'nginx',
    ports: '?',
    portUnknown: true,
    finding: 'nginx/forwarded-proto-missing',
    templateUpstream: true,
  },
  {
    name: 'nginx proxy_pass to a whole-URL template value (trap: a host name, not a templated port)',
    files: { 'roles/web/templates/site.conf.j2': NGINX('443', '{{ backend_url }}') },
    kind: 'nginx',
    ports: '443',
    portUnknown: false,
    finding: 'nginx/forwarded-proto-missing',
    templateUpstream: false,
  },
];

for (const c of CASES) {
  test(`templated ports: ${c.name}`, async () => {
    const { facts, findings } = await lintFiles(c.files);
    const a = analyzeChain(facts);
    const hop = a.topology.proxies.find((p) => p.kind === c.kind);
    assert.ok(hop, `a ${c.kind} hop (got ${a.topology.proxies.map((p) => p.label).join(', ') || 'none'})`);
    assert.match(hop.label, new RegExp(`^${c.kind} :${c.ports.replace('?', '\\?')} \\(`));
    assert.equal(
      hop.listeners.some((l) => l.portUnknown === true),
      c.portUnknown,
    );
    assert.ok(
      hop.listeners.some((l) => l.tls),
      'the TLS listener starts a chain',
    );
    assert.ok(
      findings.some((f) => f.id === c.finding),
      `${c.finding} in ${findings.map((f) => f.id).join(', ')}`,
    );
    const unresolved = findings.filter((f) => f.id === 'chain/link-unresolved').map((f) => f.message);
    assert.equal(
      unresolved.some((m) => /is a template value, set when the template is rendered/.test(m)),
      c.templateUpstream,
      unresolved.join('\n'),
    );
    if (c.templateUpstream)
      assert.ok(!unresolved.some((m) => /:__tpl_\w+__:\d+/.test(m)), 'no default port glued to a templated one');
  });
}

test('templatedListen: only a templated port counts', () => {
  assert.deepEqual(templatedListen('*:__tpl_port__'), { host: '*' });
  assert.deepEqual(templatedListen('__tpl_port__'), { host: '*' });
  assert.deepEqual(templatedListen('[::]:__tpl_port__'), { host: '[::]' });
  assert.deepEqual(templatedListen('10.0.0.1:__tpl_port__'), { host: '10.0.0.1' });
  assert.equal(templatedListen('__tpl_host__:443'), undefined);
  assert.equal(templatedListen('*:443'), undefined);
  assert.equal(templatedListen('[::1]'), undefined);
});

test('listenerPortsText: TLS ports first, unknown ports as ?, no repeats', () => {
  const l = (port: number, tls: boolean, portUnknown?: boolean) => ({ port, tls, ...(portUnknown ? { portUnknown } : {}) });
  assert.equal(listenerPortsText([l(80, false), l(443, true), l(443, true)]), '443');
  assert.equal(listenerPortsText([l(80, false), l(8080, false)]), '80,8080');
  assert.equal(listenerPortsText([l(443, true, true), l(8443, true)]), '?,8443');
  assert.equal(listenerPortsText([]), '');
});

test('Apache <VirtualHost *> (every Listen port) is a hop on an unknown port, not dropped', async () => {
  const { facts, findings } = await lintFiles({
    'site.conf': '<VirtualHost *>\n  ServerName app.example.org\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n',
  });
  const hop = analyzeChain(facts).topology.proxies.find((p) => p.kind === 'apache');
  assert.ok(hop, 'an apache hop');
  assert.match(hop.label, /^apache :\? \(/);
  assert.deepEqual(
    hop.listeners.map((l) => [l.tls, l.portUnknown]),
    [[false, true]],
  );
  assert.ok(findings.some((f) => f.id === 'chain/link-unresolved'));
});
