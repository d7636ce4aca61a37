import assert from 'node:assert/strict';
import { sveltekitAddressHeaderWrong } from '../../../src/checks/node/sveltekit-address-header-wrong.js';
import { caseTable } from '../express/harness.js';

const CONFIG = "import adapter from '@sveltejs/adapter-node';\nexport default { kit: { adapter: adapter() } };\n";
const pkg = (start: string) =>
  JSON.stringify({ name: 'site', scripts: { start }, devDependencies: { '@sveltejs/adapter-node': '^5.2.0' } }, null, 2);
/** A TLS nginx on the same host with the given header lines. */
const nginx = (...lines: string[]) =>
  `server {\n    listen 443 ssl;\n    server_name app.example;\n    ssl_certificate /etc/ssl/app.pem;\n    ssl_certificate_key /etc/ssl/app.key;\n    location / {\n        proxy_set_header Host $host;\n${lines.map((l) => `        ${l}\n`).join('')}        proxy_pass http://127.0.0.1:3000;\n    }\n}\n`;
/** nginx behind a TLS balancer at 10.0.0.5 whose X-Forwarded-For it appends to: two entries reach the app. */
const nginxBehindLb = `server {\n    listen 80;\n    server_name app.example;\n    set_real_ip_from 10.0.0.0/8;\n    location / {\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_pass http://127.0.0.1:3000;\n    }\n}\n`;

caseTable(sveltekitAddressHeaderWrong, [
  {
    name: 'ADDRESS_HEADER=x-real-ip, nginx sends no X-Real-IP: getClientAddress() throws',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ADDRESS_HEADER=x-real-ip HOST=127.0.0.1 node build'),
      'nginx/site.conf': nginx('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'),
    },
    expect: ['site/package.json@4'],
    check: ([f]) => assert.match(f?.message ?? '', /sends no x-real-ip: every event\.getClientAddress\(\) throws/),
  },
  {
    name: 'ADDRESS_HEADER=x-forwarded-for XFF_DEPTH=2 behind one nginx: one entry, throws',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ADDRESS_HEADER=x-forwarded-for XFF_DEPTH=2 HOST=127.0.0.1 node build'),
      'nginx/site.conf': nginx('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'),
    },
    expect: ['site/package.json@4'],
    check: ([f]) => assert.match(f?.message ?? '', /fewer than 2 entries/),
  },
  {
    name: "ADDRESS_HEADER=x-forwarded-for at the default depth behind a balancer and nginx: the balancer's address",
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ADDRESS_HEADER=x-forwarded-for HOST=127.0.0.1 node build'),
      'nginx/site.conf': nginxBehindLb,
      '.proxyproof.json': '{ "front": "aws-alb" }\n',
    },
    expect: ['site/package.json@4'],
    check: ([f]) => {
      assert.match(f?.message ?? '', /XFF_DEPTH=2\)/);
      assert.match(f?.fix?.description ?? '', /XFF_DEPTH=2/);
    },
  },
  // valid
  {
    name: 'ADDRESS_HEADER=x-forwarded-for, one nginx appending: the default depth 1 is the browser',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ADDRESS_HEADER=x-forwarded-for HOST=127.0.0.1 node build'),
      'nginx/site.conf': nginx('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'),
    },
    expect: [],
  },
  {
    name: 'ADDRESS_HEADER=x-real-ip that nginx sets to $remote_addr',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ADDRESS_HEADER=x-real-ip HOST=127.0.0.1 node build'),
      'nginx/site.conf': nginx('proxy_set_header X-Real-IP $remote_addr;'),
    },
    expect: [],
  },
  {
    name: 'trap: no ADDRESS_HEADER (the TCP peer): nothing to read, nothing throws',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('HOST=127.0.0.1 node build'),
      'nginx/site.conf': nginx(),
    },
    expect: [],
  },
  {
    name: 'trap: ADDRESS_HEADER with no proxy in the files (nothing to judge the header against)',
    files: { 'site/svelte.config.js': CONFIG, 'site/package.json': pkg('ADDRESS_HEADER=x-real-ip node build') },
    expect: [],
  },
]);
