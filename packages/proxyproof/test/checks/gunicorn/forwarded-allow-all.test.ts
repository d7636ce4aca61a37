import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunicornForwardedAllowAll as check } from '../../../src/checks/appserver/gunicorn-forwarded-allow-all.js';
import { compose, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'valid: default trust list on 0.0.0.0',
    files: { 'app.service': systemdUnit('gunicorn -b 0.0.0.0:8000 app:app') },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): '*' on a unix socket",
    files: { 'app.service': systemdUnit("gunicorn --bind unix:/run/app.sock --forwarded-allow-ips='*' app:app") },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): '*' on 127.0.0.1",
    files: { 'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips=* app:app') },
    expect: { count: 0 },
  },
  {
    name: "high: '*' on 0.0.0.0 (systemd)",
    files: { 'app.service': systemdUnit('gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app') },
    expect: { count: 1, severity: 'high', file: 'app.service', line: 6 },
  },
  {
    name: "high: '*' from Environment=FORWARDED_ALLOW_IPS",
    files: { 'app.service': systemdUnit('gunicorn -b 0.0.0.0:8000 app:app', ['Environment=FORWARDED_ALLOW_IPS=*']) },
    expect: { count: 1, severity: 'high', message: /any address/, line: 6 },
  },
  {
    name: "high: '*' in gunicorn.conf.py, port published on all interfaces",
    files: {
      'gunicorn.conf.py': "bind = '0.0.0.0:8000'\nforwarded_allow_ips = '*'\n",
      'compose.yaml': compose(['command: gunicorn -c gunicorn.conf.py app:app', 'ports: ["8000:8000"]']),
    },
    expect: { count: 1, severity: 'high', file: 'gunicorn.conf.py', line: 2 },
  },
  {
    name: "medium: '*' in a container reachable only on the compose network (expose:), a db container beside it",
    files: {
      'compose.yaml': `${compose([
        'command: gunicorn -b 0.0.0.0:8000 app:app',
        'environment:',
        '  FORWARDED_ALLOW_IPS: "*"',
        'expose: ["8000"]',
      ])}  db:\n    image: postgres:16\n`,
    },
    expect: { count: 1, severity: 'medium', message: /every container/ },
  },
  {
    name: "valid (trap): '*' in a container whose compose network holds only the nginx container",
    files: {
      'compose.yaml': compose([
        'command: gunicorn -b 0.0.0.0:8000 app:app',
        'environment:',
        '  FORWARDED_ALLOW_IPS: "*"',
        'expose: ["8000"]',
      ]),
    },
    expect: { count: 0 },
  },
  {
    name: "medium: '*', nginx alone on the app's own network but the db joins it too (named networks)",
    files: {
      'compose.yaml': [
        'services:',
        '  nginx:',
        '    image: nginx:1.25',
        '    ports: ["443:443"]',
        '    networks: [front]',
        '  web:',
        '    build: .',
        '    command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips "*" app:app',
        '    networks: [front, back]',
        '  db:',
        '    image: postgres:16',
        '    networks: [back]',
        '  worker:',
        '    build: .',
        '    networks: [jobs]',
        '',
      ].join('\n'),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: "valid (trap): '*', the db is on another named network than the app",
    files: {
      'compose.yaml': [
        'services:',
        '  nginx:',
        '    image: nginx:1.25',
        '    ports: ["443:443"]',
        '    networks: [front, back]',
        '  web:',
        '    build: .',
        '    command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips "*" app:app',
        '    networks: [front]',
        '  db:',
        '    image: postgres:16',
        '    networks: [back]',
        '',
      ].join('\n'),
    },
    expect: { count: 0 },
  },
  {
    name: "medium: '*', the app's network is external (other stacks' containers may join it)",
    files: {
      'compose.yaml': [
        'services:',
        '  nginx:',
        '    image: nginx:1.25',
        '    ports: ["443:443"]',
        '  web:',
        '    build: .',
        '    command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips "*" app:app',
        'networks:',
        '  default:',
        '    external: true',
        '    name: shared',
        '',
      ].join('\n'),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'medium: published on 127.0.0.1 only, a db container beside it',
    files: {
      'compose.yaml': `${compose([
        'command: ["gunicorn", "-b", "0.0.0.0:8000", "--forwarded-allow-ips", "*", "app:app"]',
        'ports: ["127.0.0.1:8000:8000"]',
      ])}  db:\n    image: postgres:16\n`,
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'valid (trap): published on 127.0.0.1 only, the nginx container is its only neighbour',
    files: {
      'compose.yaml': compose([
        'command: ["gunicorn", "-b", "0.0.0.0:8000", "--forwarded-allow-ips", "*", "app:app"]',
        'ports: ["127.0.0.1:8000:8000"]',
      ]),
    },
    expect: { count: 0 },
  },
  {
    name: "high: GUNICORN_CMD_ARGS carries '*'",
    files: {
      'app.service': systemdUnit('gunicorn app:app', [
        'Environment="GUNICORN_CMD_ARGS=--bind=0.0.0.0:8000 --forwarded-allow-ips=*"',
      ]),
    },
    expect: { count: 1, severity: 'high' },
  },
  {
    name: "valid: command-line value overrides '*' from the config file",
    files: {
      'gunicorn.conf.py': "bind = '0.0.0.0:8000'\nforwarded_allow_ips = '*'\n",
      'app.service': systemdUnit('gunicorn -c gunicorn.conf.py --forwarded-allow-ips 10.0.0.2 app:app'),
    },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): Procfile platform with FORWARDED_ALLOW_IPS='*' (only the router connects)",
    files: { Procfile: "web: FORWARDED_ALLOW_IPS='*' gunicorn app:app\n" },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`gunicorn/forwarded-allow-all: ${c.name}`, () => runCase(check, c).then(() => undefined));

// The "why" names what reads the scheme in the app that was found (audit 12 r18: a Flask app was told about Django).
const FLASK_APP = 'from flask import Flask\napp = Flask(__name__)\n';
const DJANGO_SETTINGS = "SECRET_KEY = 'x'\nINSTALLED_APPS = ['django.contrib.auth']\nROOT_URLCONF = 'site.urls'\n";
const UNIT = systemdUnit('gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app');
const whyRows: Array<{ name: string; files: Record<string, string>; has: RegExp; not?: RegExp }> = [
  {
    name: 'a Flask app: Flask is named, Django is not',
    files: { 'app.service': UNIT, 'app.py': FLASK_APP },
    has: /Flask's request\.is_secure/,
    not: /Django/,
  },
  {
    name: 'a Django project: Django is named',
    files: { 'app.service': UNIT, 'settings.py': DJANGO_SETTINGS },
    has: /Django's request\.is_secure\(\)/,
    not: /Flask/,
  },
  {
    name: 'trap: no framework found: Django stays the example, as in the app-side settings',
    files: { 'app.service': UNIT },
    has: /Django's request\.is_secure\(\)/,
  },
];
for (const r of whyRows) {
  test(`gunicorn/forwarded-allow-all: why: ${r.name}`, async () => {
    const [f] = await runCase(check, { name: r.name, files: r.files, expect: { count: 1, severity: 'high' } });
    assert.match(f?.why ?? '', r.has);
    if (r.not) assert.doesNotMatch(f?.why ?? '', r.not);
  });
}
