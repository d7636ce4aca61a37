// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${Y:-z} here is shell syntax fed to the parsers, not a template
/** Bad input never crashes or hangs the app-side parsers (bounded property runs). */
import { test } from 'node:test';
import fc from 'fast-check';
import { buildAppServer } from '../../src/collectors/deploy/appserver.js';
import {
  parseCompose,
  parseDockerfile,
  parseSupervisord,
  parseSystemdUnit,
  systemdExecArgv,
} from '../../src/collectors/deploy/formats.js';
import { findInvocations } from '../../src/collectors/deploy/servers.js';
import { splitCommands } from '../../src/collectors/deploy/shell.js';
import { evaluateModule, parsePython } from '../../src/collectors/python/evaluate.js';

const pieces = [
  'gunicorn',
  '-b',
  '0.0.0.0:8000',
  '--bind=',
  'unix:',
  '"',
  "'",
  '\\',
  '$X',
  '${Y:-z}',
  '&&',
  ';',
  '|',
  '\n',
  ' ',
  'sh',
  '-c',
  'uvicorn',
  '--uds',
  'daphne',
  '-e',
  'tcp:',
  'hypercorn',
  '--forwarded-allow-ips',
  '*',
  '[',
  ']',
  ':',
];
const shellish = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join(''));
const pyPieces = [
  'SECURE_PROXY_SSL_HEADER',
  ' = ',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  "'x'",
  '"y"',
  'f"{a}"',
  'os.environ.get(',
  'env(',
  ',',
  ':',
  '\n',
  '    ',
  'if ',
  'DEBUG',
  'not ',
  'else:',
  'from . import *',
  '+=',
  '1',
  'None',
  'lambda',
  '#',
  '\\',
];
const pyish = fc.array(fc.constantFrom(...pyPieces), { maxLength: 60 }).map((a) => a.join(''));

test('python parser + evaluator on junk', () => {
  fc.assert(
    fc.property(fc.oneof(pyish, fc.string({ maxLength: 200 })), (src) => {
      evaluateModule(parsePython('x.py', src));
    }),
    { numRuns: 300 },
  );
});

test('shell splitting and server command lines on junk', () => {
  fc.assert(
    fc.property(fc.oneof(shellish, fc.string({ maxLength: 200 })), (src) => {
      for (const c of splitCommands(src, () => 'v')) {
        for (const inv of findInvocations(c.argv.map((w) => w.text))) {
          buildAppServer(inv, {
            via: 'shell',
            ref: { file: 'x', line: 1 },
            env: {},
            container: true,
            ports: [],
            notes: [],
            versions: {},
          });
        }
      }
      systemdExecArgv(src, {});
    }),
    { numRuns: 300 },
  );
});

test('compose, Dockerfile, systemd and supervisord parsers on junk', () => {
  const yamlish = fc
    .array(
      fc.constantFrom(
        'services:',
        '\n',
        '  ',
        'web:',
        'ports:',
        '- ',
        '"8000:8000"',
        '[',
        ']',
        '{',
        '}',
        '&a',
        '*a',
        '<<:',
        'command:',
        ': ',
        '#',
      ),
      { maxLength: 50 },
    )
    .map((a) => a.join(''));
  fc.assert(
    fc.property(fc.oneof(yamlish, fc.string({ maxLength: 300 })), (src) => {
      parseCompose(src);
      parseDockerfile(src);
      parseSystemdUnit(src);
      parseSupervisord(src);
    }),
    { numRuns: 300 },
  );
});
