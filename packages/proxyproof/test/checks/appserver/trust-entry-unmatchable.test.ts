import { test } from 'node:test';
import { trustEntryUnmatchable as check } from '../../../src/checks/appserver/trust-entry-unmatchable.js';
import { compose, nginxTls, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'invalid: exec-form CMD keeps the escaped quotes: "*" is not the wildcard',
    files: {
      Dockerfile:
        'FROM python:3.12\nEXPOSE 8080\nCMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-b", "0.0.0.0:8080", "--forwarded-allow-ips=\\"*\\"", "app:app"]\n',
    },
    expect: { count: 1, severity: 'medium', message: /intended wildcard trusts nobody/, file: 'Dockerfile', line: 3 },
  },
  {
    name: 'valid (trap): shell-form CMD: the shell removes the quotes, the value is the wildcard',
    files: { Dockerfile: 'FROM python:3.12\nCMD gunicorn -b 0.0.0.0:8080 --forwarded-allow-ips="*" app:app\n' },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): systemd unquotes ExecStart words',
    files: { 'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips="127.0.0.1" app:app') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: a host name in the trust list (never resolved)',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=nginx app:app']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, message: /host name/ },
  },
  {
    name: 'invalid: quoted value in an env file that compose passes verbatim (uvicorn)',
    files: {
      'compose.yaml': compose(['command: uvicorn main:app --host 0.0.0.0', 'environment:', '  FORWARDED_ALLOW_IPS: "\'*\'"']),
    },
    expect: { count: 1, message: /quotes are part of the value/ },
  },
  {
    name: 'valid: addresses and networks',
    files: { 'app.service': systemdUnit('gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=10.0.0.5,172.16.0.0/12,::1 app:app') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): uvicorn --no-proxy-headers: the list is never used',
    files: { 'app.service': systemdUnit('uvicorn main:app --no-proxy-headers --forwarded-allow-ips=proxy') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a variable the files do not set is no host name (its run-time value is not known)',
    files: { Procfile: 'web: gunicorn -b 0.0.0.0:$PORT --forwarded-allow-ips $TRUSTED app:app\n' },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): uvicorn.run(forwarded_allow_ips=settings.HOST_IP): only the run knows the list',
    files: {
      'main.py':
        'import uvicorn\nfrom fastapi import FastAPI\nfrom .config import settings\napp = FastAPI()\nuvicorn.run(app, host="0.0.0.0", port=9000, forwarded_allow_ips=settings.HOST_IP)\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`appserver/trust-entry-unmatchable: ${c.name}`, () => runCase(check, c).then(() => undefined));
