// Puma's `bind "tcp://#{LISTEN}:#{PORT}"` with the constants assigned above it (`LISTEN = ENV["X"] || "127.0.0.1"`):
// the bind a default start makes (the environment sets nothing), not "bind unknown".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

const APP = 'module Blog\n  class Application < Rails::Application\n    config.load_defaults 7.0\n  end\nend\n';

for (const c of [
  {
    name: 'constants with || defaults',
    puma: 'LISTEN = ENV["CROWBAR_LISTEN"] || "127.0.0.1"\nPORT = ENV["CROWBAR_PORT"] || 3000\nthreads 0, 16\nbind "tcp://#{LISTEN}:#{PORT}"\n',
    want: ['127.0.0.1:3000@4'],
  },
  {
    name: 'ENV.fetch with a default argument and a block',
    puma: 'host = ENV.fetch("HOST", "0.0.0.0")\nport = ENV.fetch("PORT") { 4000 }\nbind "tcp://#{host}:#{port}"\n',
    want: ['0.0.0.0:4000@3'],
  },
  {
    name: 'trap: a value only the environment gives stays unknown (no bind invented)',
    puma: 'PORT = ENV["PORT"]\nthreads 1, 1\nbind "tcp://127.0.0.1:#{PORT}"\n',
    want: [],
  },
]) {
  test(`puma bind: ${c.name}`, async () => {
    const { facts } = await lintFiles({ 'config/application.rb': APP, 'config/puma.rb': c.puma });
    const puma = facts.appServers.find((a) => a.name === 'puma');
    assert.deepEqual(
      puma?.binds.map((b) => `${b.host}:${b.port}@${b.ref?.line}`),
      c.want,
    );
  });
}
