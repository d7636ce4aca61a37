/**
 * Bounded fuzz: mutated configs (seeded, 400 cases) go through the parser, the model, server/location
 * selection and every nginx check without throwing; each finding stays well-formed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NGINX_CHECKS } from '../../src/checks/nginx/index.js';
import { parseNginxText } from '../../src/collectors/nginx/index.js';
import { nginxModel, selectLocation, selectServer } from '../../src/facts/nginx/index.js';
import { factsOf } from '../checks/nginx/harness.js';
import { REPO_ROOT } from '../helpers.js';
import { seededRandom } from '../seeded-random.js';

const SEEDS = [
  readFileSync(join(REPO_ROOT, 'examples/seed/nginx/sites-enabled/mysite'), 'utf8'),
  `http {
  set_real_ip_from 10.0.0.0/8;
  geo $realip_remote_addr $lb { default 0; 10.0.0.0/8 1; }
  map "$lb:$http_x_forwarded_proto" $fp { default $scheme; "1:https" https; }
  upstream app { server 127.0.0.1:8000; server unix:/run/a.sock backup; }
  server {
    listen 80 proxy_protocol;
    listen 8443 ssl http2;
    server_name a.test *.b.test ~^c\\d+$;
    include proxy_params;
    if ($scheme = http) { return 301 https://$host$request_uri; }
    location / { proxy_set_header X-Forwarded-Proto $fp; proxy_pass http://app; }
    location ~ \\.php$ { include fastcgi_params; fastcgi_pass unix:/run/php.sock; }
    location /u/ { uwsgi_param HTTPS $https if_not_empty; uwsgi_pass 127.0.0.1:3031;
      location /u/x/ { uwsgi_param X 1; uwsgi_pass 127.0.0.1:3031; limit_except GET { proxy_pass http://app; } } }
  }
}`,
];

const rng = seededRandom;

const INSERTS = [
  '{',
  '}',
  ';',
  '"',
  "'",
  '\\',
  '$',
  '${x}',
  ' include proxy_params; ',
  ' location / { ',
  ' if ($a) { ',
  ' server { listen 1 ssl; ',
  '\n',
  '#',
  ' proxy_set_header ',
  ' listen ',
  'unix:',
];

function mutate(text: string, r: () => number): string {
  let s = text;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = Math.floor(r() * 4);
    if (op === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20));
    else if (op === 1) s = s.slice(0, at) + (INSERTS[Math.floor(r() * INSERTS.length)] as string) + s.slice(at);
    else if (op === 2) {
      const lines = s.split('\n');
      const k = Math.floor(r() * lines.length);
      lines.splice(k, 0, lines[Math.floor(r() * lines.length)] as string);
      s = lines.join('\n');
    } else s = s.slice(0, at) + s.slice(at).replace(/\d+/, String(Math.floor(r() * 70000)));
  }
  return s;
}

test('mutated configs never make the model or a check throw', () => {
  const r = rng(20261125);
  let cases = 0;
  for (; cases < 400; cases++) {
    const text = mutate(SEEDS[cases % SEEDS.length] as string, r);
    const tree = parseNginxText(text, 'fuzz.conf', { single: false, stockDirs: [] });
    const facts = factsOf([tree], new Map([['fuzz.conf', text.split('\n')]]));
    const model = nginxModel(facts);
    for (const s of model.servers) {
      for (const l of s.listens) if (l.port !== undefined) selectServer(model, { host: 'a.test', port: l.port, tls: l.ssl });
      selectLocation(s, '/u/x/y.php');
    }
    for (const check of NGINX_CHECKS) {
      for (const f of check.run(facts)) {
        assert.ok(f.evidence[0] && f.evidence[0].line > 0, `${f.id} evidence in case ${cases}`);
        assert.ok(f.message && f.why, `${f.id} text in case ${cases}`);
      }
    }
  }
});
