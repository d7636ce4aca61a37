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

// `if ENV["HEROKU"] ... port 3000 else bind "unix://..." end`: the environment picks one branch per deployment, so the
// network bind of one branch is not a listener of every deployment (its exposure is unknown); a lone `if ENV` bind,
// with no alternative, keeps its exposure.
for (const c of [
  {
    name: 'alternatives under if ENV / else: the tcp bind is unknown, the unix one stays',
    puma: 'app_dir = File.expand_path("../..", __FILE__)\nif ENV["HEROKU"]\n  port ENV.fetch("PORT") { 3000 }\nelse\n  bind "unix://#{app_dir}/tmp/puma.sock"\nend\nbefore_fork do\n  x = 1\nend\n',
    want: ['tcp:unknown@3', 'unix:unix@5'],
  },
  {
    name: 'trap: a lone if ENV bind has no alternative: exposure kept',
    puma: 'if ENV["PUBLIC"]\n  port 3000\nend\nbind "unix:///run/app.sock"\n',
    want: ['tcp:all-interfaces@2', 'unix:unix@4'],
  },
  {
    name: 'trap: branches of a condition that is not the environment are not alternatives we can set aside',
    puma: 'if workers > 1\n  port 3000\nelse\n  bind "unix:///run/app.sock"\nend\n',
    want: ['tcp:all-interfaces@2', 'unix:unix@4'],
  },
]) {
  test(`puma bind: ${c.name}`, async () => {
    const { facts } = await lintFiles({ 'config/application.rb': APP, 'config/puma.rb': c.puma });
    const puma = facts.appServers.find((a) => a.name === 'puma');
    assert.deepEqual(
      puma?.binds.map((b) => `${b.kind}:${b.exposure}@${b.ref?.line}`),
      c.want,
    );
  });
}
