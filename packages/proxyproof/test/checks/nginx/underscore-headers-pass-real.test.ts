/**
 * nginx/underscore-headers-pass against the real nginx (Debian's 1.22 when installed): what the check says nginx does
 * with a client's `X_Forwarded_For` — kept and proxied beside the X-Forwarded-For nginx sets under
 * `underscores_in_headers on`, dropped by default, removed by `proxy_set_header X_Forwarded_For ""` — and that the
 * check reports exactly the server where the variant reached the upstream.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { underscoreHeadersPass } from '../../../src/checks/nginx/underscore-headers-pass.js';
import { getOnce, NGINX, type RunningNginx, startNginx } from '../../real-nginx.js';
import { listenOnFreePort } from '../../real-program.js';
import { factsFromText } from './harness.js';

const server = (port: number, upstream: number, lines: string) =>
  `server {\n  listen 127.0.0.1:${port};\n${lines}  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n${lines.includes('drop') ? '    proxy_set_header X_Forwarded_For "";\n' : ''}    proxy_pass http://127.0.0.1:${upstream};\n  }\n}\n`;

const VARIANTS = [
  { name: 'underscores_in_headers on', lines: '  underscores_in_headers on;\n', reaches: true },
  { name: 'ignore_invalid_headers off', lines: '  ignore_invalid_headers off;\n', reaches: true },
  { name: 'the default', lines: '', reaches: false },
  { name: 'underscores on, the variant dropped', lines: '  underscores_in_headers on; # drop\n', reaches: false },
];

describe('nginx/underscore-headers-pass on the real nginx', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let echo: Server;
  let upstream = 0;
  let nginx: RunningNginx | undefined;
  before(async () => {
    // Answers with the header lines as received (names as nginx sent them).
    echo = createServer((req, res) => res.end(JSON.stringify(req.rawHeaders)));
    upstream = await listenOnFreePort(echo);
    nginx = await startNginx((ports) => VARIANTS.map((v, i) => server(ports[i] as number, upstream, v.lines)).join(''), 4);
  });
  after(() => {
    nginx?.stop();
    echo?.close();
  });

  for (const [i, v] of VARIANTS.entries())
    test(`${v.name}: the client's X_Forwarded_For ${v.reaches ? 'reaches' : 'does not reach'} the upstream, as the check says`, async () => {
      const port = nginx?.ports[i] as number;
      const got = await getOnce(port, '/', { Host: 'site.test', X_Forwarded_For: '6.6.6.6' });
      const raw = JSON.parse(got.body) as string[];
      const names = raw.filter((_, k) => k % 2 === 0);
      assert.equal(names.includes('X_Forwarded_For'), v.reaches, got.body);
      // nginx's own header is there either way, with the peer's address.
      assert.equal(raw[raw.indexOf('X-Forwarded-For') + 1], '127.0.0.1');
      const found = underscoreHeadersPass.run(factsFromText(server(port, upstream, v.lines)));
      assert.equal(found.length, v.reaches ? 1 : 0);
    });
});
