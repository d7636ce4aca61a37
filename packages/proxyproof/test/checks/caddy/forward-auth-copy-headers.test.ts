import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affected, caddyForwardAuthCopyHeaders as check } from '../../../src/checks/caddy/forward-auth-copy-headers.js';
import { type Case, runCase } from '../../python/lint-files.js';

/** Authelia's documented Caddy layout, self-written: an auth portal and a site protected by forward_auth. */
const caddyfile = (copy: string) =>
  `auth.example.com {\n\treverse_proxy authelia:9091\n}\n\napp.example.com {\n\tforward_auth authelia:9091 {\n\t\turi /api/authz/forward-auth\n${copy}\t}\n\treverse_proxy app:80\n}\n`;
const COPY = '\t\tcopy_headers Remote-User Remote-Groups\n';
const compose = (image: string) =>
  `services:\n  caddy:\n    image: ${image}\n    ports:\n      - 80:80\n      - 443:443\n    volumes:\n      - ./Caddyfile:/etc/caddy/Caddyfile\n  app:\n    image: nextcloud\n`;

const cases: Case[] = [
  {
    name: 'invalid (info): copy_headers on a Caddy of unknown version (may be 2.10.0–2.11.1)',
    files: { Caddyfile: caddyfile(COPY) },
    expect: { count: 1, severity: 'info', line: 8, message: /Remote-User, Remote-Groups.*unknown version.*GHSA-7r4p-vjf4-gxv4/ },
  },
  {
    name: 'invalid: caddy:2.10.2 is affected (the image tag is the evidence)',
    files: { Caddyfile: caddyfile(COPY), 'docker-compose.yml': compose('caddy:2.10.2') },
    expect: { count: 1, message: /Caddy 2\.10\.2 is 2\.10\.0–2\.11\.1/ },
  },
  {
    name: 'invalid: the block form with renames names the headers the backend receives',
    files: { Caddyfile: caddyfile('\t\tcopy_headers {\n\t\t\tRemote-User>X-User\n\t\t\tRemote-Email\n\t\t}\n') },
    expect: { count: 1, message: /copies X-User, Remote-Email/ },
  },
  {
    name: 'valid: caddy:2.11.2 deletes the client’s header before each copy',
    files: { Caddyfile: caddyfile(COPY), 'docker-compose.yml': compose('caddy:2.11.2-alpine') },
    expect: { count: 0 },
  },
  {
    name: 'valid: caddy:2.8.4 predates the regression (#6608)',
    files: { Caddyfile: caddyfile(COPY), 'docker-compose.yml': compose('caddy:2.8.4') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): forward_auth without copy_headers copies nothing',
    files: { Caddyfile: caddyfile('') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`${check.meta.id}: ${c.name}`, async () => void (await runCase(check, c)));

test(`${check.meta.id}: affected versions`, () => {
  assert.deepEqual(
    ['2.9.1', '2.10.0', '2.10.2', '2.11', '2.11.1', '2.11.2', '2.12.0', '2', 'latest', '1.0.4', undefined].map(affected),
    ['no', 'yes', 'yes', 'maybe', 'yes', 'no', 'no', 'maybe', 'maybe', 'no', 'maybe'],
  );
});
