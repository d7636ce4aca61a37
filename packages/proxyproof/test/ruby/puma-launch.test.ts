// Where the tree starts Puma (collectors/ruby/launch.ts): a compose service's command, an image's CMD (Rails 7.1+'s
// `./bin/rails server`), an entrypoint script's `case` branch. A Puma started there runs in a container, so its
// 0.0.0.0 is the container network (reached through what compose publishes), not every host that reaches the machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppServerFacts } from '../../src/model/facts.js';
import { lintFiles } from '../python/lint-files.js';

const PROD = 'Rails.application.configure do\n  config.force_ssl = true\nend\n';
const PUMA = 'port ENV.fetch("PORT") { 3000 }\n';
const ENTRY =
  '#!/bin/sh\nset -e\ncase "$1" in\n  app)\n    exec puma -C config/puma.rb\n    ;;\n  worker)\n    exec bundle exec rake resque:work\n    ;;\n  *)\n    exec "$@"\n    ;;\nesac\n';

/** One Puma: its binds as host:port@file:line and reach, and the compose service it runs in. */
function describe(a: AppServerFacts | undefined): { binds: string[]; service?: string } {
  return {
    binds: (a?.binds ?? []).map(
      (b) => `${b.host}:${b.port}@${b.ref?.file}:${b.ref?.line} ${b.reach ?? '-'}${b.container ? ' container' : ''}`,
    ),
    ...(a?.service ? { service: a.service } : {}),
  };
}

for (const c of [
  {
    name: 'a compose service runs `bundle exec puma -C config/puma.rb`: the config bind, in that container',
    files: { 'compose.yaml': 'services:\n  web:\n    build: .\n    command: bundle exec puma -C config/puma.rb\n' },
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 container-network container'], service: 'web' },
  },
  {
    name: 'published by compose: reached from the network through the published port',
    files: {
      'compose.yaml':
        'services:\n  web:\n    build: .\n    command: bundle exec puma -C config/puma.rb\n    ports:\n      - "3000:3000"\n',
    },
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 network container'], service: 'web' },
  },
  {
    name: "Rails 7.1's Dockerfile (ENTRYPOINT docker-entrypoint, CMD ./bin/rails server), no compose: the image's container",
    files: {
      Dockerfile:
        'FROM ruby:3.2-slim\nWORKDIR /rails\nCOPY . .\nENTRYPOINT ["/rails/bin/docker-entrypoint"]\nEXPOSE 3000\nCMD ["./bin/rails", "server"]\n',
    },
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 container-network container'] },
  },
  {
    name: "an entrypoint script's case branch the image's CMD selects starts Puma",
    files: {
      'docker/Dockerfile':
        'FROM ruby:3.2-alpine\nWORKDIR /app\nCOPY . .\nCOPY ./docker/entrypoint.sh /entrypoint.sh\nENTRYPOINT [ "/entrypoint.sh" ]\nCMD [ "app" ]\n',
      'docker/entrypoint.sh': ENTRY,
    },
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 container-network container'] },
  },
  {
    name: 'the command line binds: `rails server -b 127.0.0.1 -p 4000` wins over config/puma.rb',
    files: { 'compose.yaml': 'services:\n  web:\n    build: .\n    command: bin/rails server -b 127.0.0.1 -p 4000\n' },
    want: { binds: ['127.0.0.1:4000@compose.yaml:4 loopback container'], service: 'web' },
  },
  {
    name: 'a compose command that runs a script of the tree (`./bin/start`): the script starts Puma in that container',
    files: {
      'compose.yaml': 'services:\n  web:\n    build: .\n    command: ["./bin/start"]\n    ports:\n      - "3000:3000"\n',
      'bin/start': '#!/bin/sh\nbundle exec rails db:prepare\nexec bundle exec puma -C config/puma.rb\n',
    },
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 network container'], service: 'web' },
  },
  {
    name: '`sh -c "./docker/run.sh && echo done"` in an image: the script the first command runs starts Puma',
    files: {
      Dockerfile: 'FROM ruby:3.2\nWORKDIR /app\nCOPY . .\nCMD ["sh", "-c", "./docker/run.sh && echo done"]\n',
      'docker/run.sh': '#!/bin/sh\nexec bundle exec rails s -b 0.0.0.0 -p 8080\n',
    },
    want: { binds: ['0.0.0.0:8080@docker/run.sh:2 container-network container'] },
  },
  // The script's line is split as the shell splits it (collectors/deploy/command-launches.ts commandWords). Held-out
  // trial: maltesa/surfnotify@a67bd8d (start_app.sh) was read as puma '0.0.0.0':3000, quotes and all.
  {
    name: "a script's `rails s -b '0.0.0.0'` (shell quotes, a comment after): the quotes are the shell's, the comment is none",
    files: {
      'compose.yaml': 'services:\n  app:\n    build: .\n    command: sh ./start_app.sh\n',
      'start_app.sh': "#!/bin/sh\nrm tmp/pids/*\nbundle exec rails s -p 3000 -b '0.0.0.0' # '127.0.0.1'\n",
    },
    want: { binds: ['0.0.0.0:3000@start_app.sh:3 container-network container'], service: 'app' },
  },
  {
    name: 'trap: a commented-out bind after the real one: `-b "127.0.0.1" # -b 0.0.0.0` binds loopback',
    files: {
      'compose.yaml': 'services:\n  app:\n    build: .\n    command: ./run.sh\n',
      'run.sh': '#!/bin/sh\nexec bundle exec puma -b "tcp://127.0.0.1:9292" # -b tcp://0.0.0.0:9292\n',
    },
    want: { binds: ['127.0.0.1:9292@run.sh:2 loopback container'], service: 'app' },
  },
  {
    name: 'trap: a pipe inside quotes is no pipe: `sh -c "bundle exec puma -b \'tcp://0.0.0.0:8080\' 2>&1 | tee x"`',
    files: {
      Dockerfile:
        'FROM ruby:3.2\nWORKDIR /app\nCOPY . .\nCMD sh -c "bundle exec puma -b \'tcp://0.0.0.0:8080\' | tee /tmp/log"\n',
    },
    want: { binds: ['0.0.0.0:8080@Dockerfile:4 container-network container'] },
  },
  {
    name: 'trap: a compose command running a script that starts something else (sidekiq) does not take the Puma',
    files: {
      'compose.yaml': 'services:\n  worker:\n    build: .\n    command: ["./bin/worker"]\n',
      'bin/worker': '#!/bin/sh\n# not puma: the web runs elsewhere\nexec bundle exec sidekiq\n',
    },
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 -'] },
  },
  {
    name: 'trap: config/puma.rb alone (no launch in the tree) stays a server on this machine',
    files: {},
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 -'] },
  },
  {
    name: 'trap: a compose service running something else (sidekiq) does not take the Puma',
    files: { 'compose.yaml': 'services:\n  worker:\n    build: .\n    command: bundle exec sidekiq\n' },
    want: { binds: ['0.0.0.0:3000@config/puma.rb:1 -'] },
  },
]) {
  test(`puma launch: ${c.name}`, async () => {
    const { facts } = await lintFiles({
      'config/environments/production.rb': PROD,
      'config/puma.rb': PUMA,
      ...c.files,
    });
    const pumas = facts.appServers.filter((a) => a.name === 'puma');
    assert.equal(pumas.length, 1, JSON.stringify(pumas.map((p) => p.launch)));
    assert.deepEqual(describe(pumas[0]), c.want);
  });
}

test('puma launch: no config/puma.rb, an image runs `rails server`: Puma on 0.0.0.0:3000 in the container', async () => {
  const { facts } = await lintFiles({
    'config/environments/production.rb': PROD,
    Dockerfile: 'FROM ruby:3.2\nWORKDIR /app\nCOPY . .\nCMD ["bin/rails", "server"]\n',
  });
  const pumas = facts.appServers.filter((a) => a.name === 'puma');
  assert.deepEqual(
    pumas.map((p) => describe(p)),
    [{ binds: ['0.0.0.0:3000@Dockerfile:4 container-network container'] }],
  );
});
