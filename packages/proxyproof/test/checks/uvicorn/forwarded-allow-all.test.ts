import { test } from 'node:test';
import { uvicornForwardedAllowAll as check } from '../../../src/checks/appserver/uvicorn-forwarded-allow-all.js';
import { compose, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'valid: defaults (127.0.0.1 trusted)',
    files: { 'app.service': systemdUnit('uvicorn main:app --host 0.0.0.0') },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): '*' on a unix socket, as uvicorn's docs recommend",
    files: { 'app.service': systemdUnit("uvicorn main:app --uds /run/app.sock --forwarded-allow-ips='*'") },
    expect: { count: 0 },
  },
  {
    name: "valid: '*' but --no-proxy-headers",
    files: { 'app.service': systemdUnit("uvicorn main:app --host 0.0.0.0 --no-proxy-headers --forwarded-allow-ips '*'") },
    expect: { count: 0 },
  },
  {
    name: "high: '*' on 0.0.0.0",
    files: { 'app.service': systemdUnit("uvicorn main:app --host 0.0.0.0 --port 8000 --forwarded-allow-ips='*'") },
    expect: { count: 1, severity: 'high' },
  },
  {
    name: 'high: UVICORN_FORWARDED_ALLOW_IPS=* and UVICORN_HOST',
    files: { 'app.service': systemdUnit('uvicorn main:app', ['Environment=UVICORN_HOST=0.0.0.0 UVICORN_FORWARDED_ALLOW_IPS=*']) },
    expect: { count: 1, severity: 'high' },
  },
  {
    name: 'medium: FORWARDED_ALLOW_IPS=* in a compose service with expose only, a redis container beside it',
    files: {
      'compose.yaml': `${compose([
        'command: uvicorn main:app --host 0.0.0.0 --port 8000',
        'environment:',
        '  - FORWARDED_ALLOW_IPS=*',
        'expose: ["8000"]',
      ])}  redis:\n    image: redis:7\n`,
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'valid (trap): FORWARDED_ALLOW_IPS=* in a compose service whose only neighbour is the nginx container',
    files: {
      'compose.yaml': compose([
        'command: uvicorn main:app --host 0.0.0.0 --port 8000',
        'environment:',
        '  - FORWARDED_ALLOW_IPS=*',
        'expose: ["8000"]',
      ]),
    },
    expect: { count: 0 },
  },
  {
    name: "high: uvicorn.run(..., forwarded_allow_ips='*') in code",
    files: {
      'main.py':
        "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\nif __name__ == '__main__':\n    uvicorn.run(app, host='0.0.0.0', port=8000, forwarded_allow_ips='*')\n",
    },
    expect: { count: 1, severity: 'high', file: 'main.py', line: 5 },
  },
];

for (const c of cases) test(`uvicorn/forwarded-allow-all: ${c.name}`, () => runCase(check, c).then(() => undefined));
