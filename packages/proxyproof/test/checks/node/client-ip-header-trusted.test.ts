import assert from 'node:assert/strict';
import { clientIpHeaderTrusted } from '../../../src/checks/node/client-ip-header-trusted.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

const app = (handler: string, listen = "app.listen(3000, '0.0.0.0');") =>
  `const express = require('express');\nconst app = express();\napp.post('/x', (req, res) => {\n${handler}\n  res.end();\n});\n${listen}\n`;

caseTable(clientIpHeaderTrusted, [
  {
    name: 'a configurable client-IP header (CLIENT_IP_HEADER) read from any peer on a public port',
    files: {
      'server.js': app(
        '  let clientIp = req.ip;\n  if (process.env.CLIENT_IP_HEADER) clientIp = req.headers[process.env.CLIENT_IP_HEADER];',
      ),
    },
    expect: ['server.js@5'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      assert.match(f?.message ?? '', /CLIENT_IP_HEADER/);
    },
  },
  {
    name: 'the left-most X-Forwarded-For entry behind nginx on loopback (medium: nginx appends, the client writes the rest)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'server.js': app("  const ip = req.headers['x-forwarded-for'].split(',')[0];", "app.listen(3000, '127.0.0.1');"),
    },
    expect: ['server.js@4'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: 'several reads of the same header: one finding, every site as evidence',
    files: {
      'server.js': app("  const ip = req.headers['cf-connecting-ip'];\n  const addr = req.get('cf-connecting-ip');"),
    },
    expect: ['server.js@4'],
    check: ([f]) => assert.equal(f?.evidence.filter((e) => e.file === 'server.js' && e.line <= 5).length, 2),
  },
  // valid
  {
    name: 'trap: X-Forwarded-For only logged (not used as an address)',
    files: { 'server.js': app("  console.log(`xff: ${req.headers['x-forwarded-for']}`);") },
    expect: [],
  },
  {
    name: 'X-Real-IP that nginx overwrites, on a loopback-only app',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'server.js': app("  const ip = req.headers['x-real-ip'];", "app.listen(3000, '127.0.0.1');"),
    },
    expect: [],
  },
  { name: 'req.ip (the framework decides)', files: { 'server.js': app('  const ip = req.ip;') }, expect: [] },
]);
