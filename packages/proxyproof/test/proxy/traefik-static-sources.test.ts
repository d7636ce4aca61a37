// Traefik 2.x/3.x read their static configuration from ONE source, the first found: a file (--configFile, else
// /etc/traefik/traefik.{toml,yaml,yml}, $HOME/.config/traefik.*, ./traefik.* in the image's `/`), else the command
// flags, else the TRAEFIK_* variables (traefik cmd/traefik/traefik.go: FileLoader, FlagLoader, EnvLoader;
// traefik/paerser cli/commands.go stops at the first loader that loads). 1.x merged flags over the file.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { traefikForwardedHeadersInsecure } from '../../src/checks/traefik/forwarded-headers-insecure.js';
import { type Case, lintFiles, runCase } from '../python/lint-files.js';

const STATIC =
  'entryPoints:\n  websecure:\n    address: ":443"\n    forwardedHeaders:\n      trustedIPs:\n        - 10.0.0.0/8\n';
const service = (opts: { image?: string; flags?: string[]; volumes?: string[]; env?: string[]; build?: boolean }) =>
  `services:\n  traefik:\n${opts.build ? '    build: ./proxy\n' : `    image: "${opts.image ?? 'traefik:v3.1'}"\n`}${
    opts.flags ? `    command:\n${opts.flags.map((f) => `      - "${f}"`).join('\n')}\n` : ''
  }${opts.env ? `    environment:\n${opts.env.map((e) => `      - ${e}`).join('\n')}\n` : ''}    ports:\n      - "443:443"\n${
    opts.volumes ? `    volumes:\n${opts.volumes.map((v) => `      - ${v}`).join('\n')}\n` : ''
  }`;
const INSECURE = '--entrypoints.websecure.forwardedHeaders.insecure=true';

describe('traefik/forwarded-headers-insecure: which static source Traefik reads', () => {
  const cases: Case[] = [
    {
      name: 'invalid: flags alone are the static configuration',
      files: { 'compose.yml': service({ flags: ['--entrypoints.websecure.address=:443', INSECURE] }) },
      expect: { count: 1, severity: 'high', line: 6 },
    },
    {
      name: 'valid (trap): a file mounted on /etc/traefik/traefik.yml wins, the insecure flag is never read',
      files: {
        'compose.yml': service({ flags: [INSECURE], volumes: ['./traefik.yml:/etc/traefik/traefik.yml:ro'] }),
        'traefik.yml': STATIC,
      },
      expect: { count: 0 },
    },
    {
      name: "valid (trap): ./traefik.yml in the image's working directory `/` is found too",
      files: {
        'compose.yml': service({ flags: [INSECURE], volumes: ['./traefik.yml:/traefik.yml:ro'] }),
        'traefik.yml': STATIC,
      },
      expect: { count: 0 },
    },
    {
      name: 'valid (trap): a folder of the tree holding traefik.yml mounted on /etc/traefik',
      files: {
        'compose.yml': service({ flags: [INSECURE], volumes: ['./conf:/etc/traefik'] }),
        'conf/traefik.yml': STATIC,
      },
      expect: { count: 0 },
    },
    {
      name: 'valid (trap): --configFile names the file: the other flags are not read',
      files: {
        'compose.yml': service({
          flags: ['--configFile=/config/static.yml', INSECURE],
          volumes: ['./static.yml:/config/static.yml'],
        }),
        'static.yml': STATIC,
      },
      expect: { count: 0 },
    },
    {
      name: 'valid (trap): the image built here copies the file to /etc/traefik/',
      files: {
        'compose.yml': service({ build: true, flags: [INSECURE] }),
        'proxy/Dockerfile': 'FROM traefik:v3.1\nCOPY traefik.yml /etc/traefik/\n',
        'proxy/traefik.yml': STATIC,
      },
      expect: { count: 0 },
    },
    {
      // held-out daohung2u/traefik-docker-apps@4121322eec2d: `build: ./bin/traefik` holding only `FROM traefik:v2.0.0`.
      name: 'invalid: a service built from a Dockerfile whose final stage is FROM traefik runs Traefik: its flags count',
      files: {
        'compose.yml': service({ build: true, flags: ['--entrypoints.websecure.address=:443', INSECURE] }),
        'proxy/Dockerfile': 'FROM traefik:v3.1\n',
      },
      expect: { count: 1, severity: 'high', line: 6 },
    },
    {
      name: 'valid (trap): the same flags on a service built FROM another image are not Traefik flags',
      files: {
        'compose.yml': service({ build: true, flags: ['--entrypoints.websecure.address=:443', INSECURE] }),
        'proxy/Dockerfile': 'FROM traefik:v3.1 AS config\nFROM alpine:3.20\nCOPY --from=config /usr/local/bin/traefik /bin/\n',
      },
      expect: { count: 0 },
    },
    {
      name: 'invalid: a file mounted where Traefik does not look (a dynamic file) leaves the flags in charge',
      files: {
        'compose.yml': service({ flags: [INSECURE], volumes: ['./dynamic.yml:/etc/traefik/dynamic.yml:ro'] }),
        'dynamic.yml': 'http:\n  middlewares:\n    hsts:\n      headers:\n        stsSeconds: 31536000\n',
      },
      expect: { count: 1, line: 5 },
    },
    {
      name: 'invalid: Traefik 1.x merges flags over the file (the 1.x insecure flag still counts)',
      files: {
        'compose.yml': service({
          image: 'traefik:1.7',
          flags: ['--entryPoints=Name:http Address::80 ForwardedHeaders.Insecure:true'],
          volumes: ['./traefik.toml:/etc/traefik/traefik.toml'],
        }),
        'traefik.toml':
          '[entryPoints]\n  [entryPoints.https]\n  address = ":443"\n    [entryPoints.https.forwardedHeaders]\n    trustedIPs = ["10.0.0.0/8"]\n',
      },
      expect: { count: 1 },
    },
    {
      name: 'valid (trap): TRAEFIK_* variables are not read when flags are given',
      files: {
        'compose.yml': service({
          flags: ['--entrypoints.websecure.address=:443'],
          env: ['TRAEFIK_ENTRYPOINTS_WEBSECURE_FORWARDEDHEADERS_INSECURE=true'],
        }),
      },
      expect: { count: 0 },
    },
    {
      name: 'invalid: TRAEFIK_* variables alone are the static configuration',
      files: {
        'compose.yml': service({
          env: ['TRAEFIK_ENTRYPOINTS_WEBSECURE_ADDRESS=:443', 'TRAEFIK_ENTRYPOINTS_WEBSECURE_FORWARDEDHEADERS_INSECURE=true'],
        }),
      },
      expect: { count: 1 },
    },
    {
      name: 'invalid: a templated static file (traefik.yml.j2) is read under its rendered name',
      files: {
        'templates/traefik.yml.j2':
          'entryPoints:\n  websecure:\n    address: ":{{ https_port | default(443) }}"\n    forwardedHeaders:\n      insecure: true\n',
      },
      expect: { count: 1, line: 5 },
    },
  ];
  for (const c of cases) test(c.name, () => runCase(traefikForwardedHeadersInsecure, c).then(() => undefined));
});

test('the flags a found file overrides are named in a warning at the first flag', async () => {
  const { facts } = await lintFiles({
    'compose.yml': service({ flags: [INSECURE], volumes: ['./traefik.yml:/etc/traefik/traefik.yml:ro'] }),
    'traefik.yml': STATIC,
  });
  const w = facts.diagnostics.filter((d) => /one source only/.test(d.message));
  assert.equal(w.length, 1, JSON.stringify(facts.diagnostics));
  assert.equal(w[0]?.line, 5);
  assert.match(
    w[0]?.message ?? '',
    /\/etc\/traefik\/traefik\.yml \(compose\.yml:9\) wins, so this service's 1 command flag\(s\) are ignored/,
  );
});
