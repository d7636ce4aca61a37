// An entrypoint script that takes its own arguments first (`host="$1"; shift; ...; cmd="$@"; exec $cmd`) and hands
// over to the compose command `bash /app/docker/run.sh`, a script in a folder the service bind-mounts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handedOver } from '../../src/collectors/deploy/shell.js';
import { factsFromFiles } from '../node-apps/harness.js';

describe('handedOver: the arguments an entrypoint script runs', () => {
  const args = ['db', '5432', 'bash', '/app/run.sh'];
  const cases: Array<[string, string, string[] | undefined]> = [
    ['exec "$@"', '#!/bin/sh\nset -e\nexec "$@"\n', args],
    ['"$@" as a command', '#!/bin/sh\n"$@"\n', args],
    ['two shifts, then exec "$@"', '#!/bin/sh\nhost="$1"\nshift\nport="$1"\nshift\nexec "$@"\n', ['bash', '/app/run.sh']],
    ['shift 2', '#!/bin/sh\nshift 2\nexec "$@"\n', ['bash', '/app/run.sh']],
    [
      'cmd="$@" ... exec $cmd',
      '#!/bin/sh\nshift\nshift\ncmd="$@"\nuntil pg_isready; do sleep 1; done\nexec $cmd\n',
      ['bash', '/app/run.sh'],
    ],
    ['cmd="$*" ... exec "$cmd"', '#!/bin/sh\ncmd="$*"\nexec "$cmd"\n', args],
    // traps
    ['trap: runs its own server, not its arguments', '#!/bin/sh\nexec gunicorn app:app\n', undefined],
    ['trap: a variable that is not the arguments', '#!/bin/sh\ncmd="gunicorn app:app"\nexec $cmd\n', undefined],
    ['trap: "$@" inside a longer command', '#!/bin/sh\nexec gunicorn "$@"\n', undefined],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(handedOver(text, args), want));
});

describe('compose: wait-for entrypoint, then `command: bash <script>` in a bind-mounted folder', () => {
  const files: Record<string, string> = {
    'docker-compose.yml': [
      'services:',
      '  app:',
      '    build: .',
      '    volumes:',
      '      - .:/srv/',
      '    expose:',
      '      - 8000',
      '    entrypoint: /srv/docker/wait_db.sh db 5432',
      '    command: bash /srv/docker/run.sh',
      '',
    ].join('\n'),
    Dockerfile: 'FROM python:3.12-slim\nWORKDIR /srv\n',
    'docker/wait_db.sh':
      '#!/bin/sh\nset -e\nhost="$1"\nshift\nport="$1"\nshift\ncmd="$@"\nuntil pg_isready -h"$host" -p"$port"; do sleep 1; done\nexec $cmd\n',
    'docker/run.sh':
      'pip install -r requirements.txt\nuvicorn main:app \\\n  --host 0.0.0.0 \\\n  --port 8000 \\\n  --proxy-headers\n',
  };
  it('uvicorn of run.sh runs in service app: reached only on the compose network (expose:), not every interface', async () => {
    const { facts } = await factsFromFiles(files);
    const s = facts.appServers.find((x) => x.kind === 'uvicorn');
    assert.ok(s, JSON.stringify(facts.appServers.map((x) => x.kind)));
    assert.deepEqual(
      [s.service, s.launch.file, s.launch.line, s.binds[0]?.port, s.binds[0]?.reach],
      ['app', 'docker/run.sh', 2, 8000, 'container-network'],
    );
  });
});
