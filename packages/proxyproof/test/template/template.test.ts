/** The shared template reader: a table of named valid, invalid and trap cases (lines always preserved). */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseNginxFile } from '../../src/collectors/nginx/parser.js';
import {
  branchAt,
  detemplate,
  isPlaceholder,
  isTemplateName,
  renderedName,
  renderForCollectors,
} from '../../src/collectors/template/index.js';
import type { Diagnostic } from '../../src/model/finding.js';
import { lintFiles } from '../python/lint-files.js';

interface Case {
  name: string;
  file: string;
  text: string;
  /** Expected rendered lines (1-based line -> trimmed content), checked exactly. */
  lines?: Record<number, string>;
  /** undefined: no template syntax applies to this file (returned unchanged). */
  none?: boolean;
  heavy?: boolean;
  kinds?: string[];
  branch?: 'first' | 'last' | 'all';
  /** One rendering: the alternative each conditional (by its `if` line) keeps. */
  pick?: Record<number, number>;
  /** The conditionals found: `if` line, alternatives' lines, else written, reached, holds config text. */
  chains?: Array<[number, number[], boolean, boolean, boolean]>;
}

const CASES: Case[] = [
  {
    name: 'jinja placeholder is opaque; comment and if tags vanish; lines kept',
    file: 'roles/nginx/templates/site.conf.j2',
    text: '{# managed by ansible #}\nserver {\n  server_name {{ nginx_host }};\n  {% if ssl %}\n  listen 443 ssl;\n  {% endif %}\n}\n',
    lines: { 1: '', 3: 'server_name __tpl_nginx_host__;', 4: '', 5: 'listen 443 ssl;', 6: '' },
    kinds: ['jinja'],
  },
  {
    name: "jinja default('x') is used as the value",
    file: 'site.conf.j2',
    text: "server {\n  listen {{ port | default('8080') }};\n  listen {{ other|d(81) }};\n}\n",
    lines: { 2: 'listen 8080;', 3: 'listen 81;' },
  },
  {
    name: 'jinja if/else keeps the first branch by default',
    file: 'a.conf.j2',
    text: '{% if tls %}\nlisten 443 ssl;\n{% else %}\nlisten 80;\n{% endif %}\n',
    lines: { 2: 'listen 443 ssl;', 4: '' },
  },
  {
    name: 'jinja if/else with branch last keeps the else branch',
    file: 'a.conf.j2',
    text: '{% if tls %}\nlisten 443 ssl;\n{% elif x %}\nlisten 81;\n{% else %}\nlisten 80;\n{% endif %}\n',
    lines: { 2: '', 4: '', 6: 'listen 80;' },
    branch: 'last',
  },
  {
    name: 'jinja if/elif/else with branch all keeps every branch (the union)',
    file: 'a.conf.j2',
    text: '{% if tls %}\nlisten 443 ssl;\n{% elif x %}\nlisten 81;\n{% else %}\nlisten 80;\n{% endif %}\n',
    lines: { 1: '', 2: 'listen 443 ssl;', 4: 'listen 81;', 6: 'listen 80;', 7: '' },
    branch: 'all',
  },
  {
    name: 'a pick keeps the alternative it names (the else), the other conditionals their first',
    file: 'app.service.j2',
    text: '[Service]\n{% if local %}\nExecStart=gunicorn -b 127.0.0.1:8000 app:app\n{% else %}\nExecStart=gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n{% endif %}\n{% if a %}\nUser=a\n{% endif %}\n',
    lines: { 3: '', 5: 'ExecStart=gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app', 8: 'User=a' },
    pick: { 2: 1 },
    chains: [
      [2, [2, 4], true, true, true],
      [7, [7], false, true, true],
    ],
  },
  {
    name: 'a pick past the last alternative of an if without else renders none of it',
    file: 'a.conf.j2',
    text: '{% if tls %}\nlisten 443 ssl;\n{% elif x %}\nlisten 81;\n{% endif %}\nlisten 80;\n',
    lines: { 2: '', 4: '', 6: 'listen 80;' },
    pick: { 1: 2 },
    chains: [[1, [1, 3], false, true, true]],
  },
  {
    name: 'a pick of the elif; an inline conditional is one chain on one line',
    file: 'a.conf.j2',
    text: '{% if tls %}\nlisten 443 ssl;\n{% elif x %}\nlisten 81{% if p %} proxy_protocol{% endif %};\n{% endif %}\n',
    lines: { 2: '', 4: 'listen 81 proxy_protocol;' },
    pick: { 1: 1 },
    chains: [
      [1, [1, 3], false, true, true],
      // Reached in this rendering (the elif is kept); in the default one it is not (see the next case).
      [4, [4], false, true, true],
    ],
  },
  {
    name: 'trap: a conditional inside a branch the rendering drops is not reached (switching it alone changes nothing)',
    file: 'a.conf.j2',
    text: '{% if tls %}\nlisten 443 ssl;\n{% elif x %}\nlisten 81{% if p %} proxy_protocol{% endif %};\n{% endif %}\n',
    lines: { 2: 'listen 443 ssl;', 4: '' },
    chains: [
      [1, [1, 3], false, true, true],
      [4, [4], false, false, true],
    ],
  },
  {
    name: 'trap: a conditional of only comments and blank lines holds no config text (switching it decides nothing)',
    file: 'a.conf.j2',
    text: '{% if a %}\n# managed\n\n{% else %}\n  # other\n{% endif %}\nlisten 80;\n',
    lines: { 7: 'listen 80;' },
    chains: [[1, [1, 4], true, true, false]],
  },
  {
    name: 'trap: branch all still drops macro bodies',
    file: 'a.conf.j2',
    text: '{% macro m() %}\nlisten 1;\n{% endmacro %}\n{% if a %}\nlisten 2;\n{% endif %}\n',
    lines: { 2: '', 5: 'listen 2;' },
    branch: 'all',
  },
  {
    name: 'cookiecutter {% raw %} keeps its body, itself read as the next stage template',
    file: '{{cookiecutter.repo_name}}/ansible/roles/web/templates/nginx.j2',
    text: '{% raw %}server {\n    listen 80;\n    server_name {{ django_env.HOST_NAME }};\n    location / {\n        proxy_pass http://{{ gunicorn }};\n    }\n}{% endraw %}\n',
    lines: { 1: 'server {', 3: 'server_name __tpl_django_env_HOST_NAME__;', 5: 'proxy_pass http://__tpl_gunicorn__;', 7: '}' },
  },
  {
    name: 'jinja multi-line comment keeps its newlines',
    file: 'a.conf.j2',
    text: '{#\n one\n two\n#}\nlisten 80;\n',
    lines: { 1: '', 2: '', 4: '', 5: 'listen 80;' },
  },
  {
    name: 'jinja for loop keeps its body once',
    file: 'a.conf.j2',
    text: 'upstream u {\n{% for h in hosts %}\n  server {{ h }};\n{% endfor %}\n}\n',
    lines: { 2: '', 3: 'server __tpl_h__;', 4: '' },
  },
  {
    name: 'ERB output, if/else/end and a default written with ||',
    file: 'templates/etc/nginx/sites-enabled/server.conf.erb',
    text: "<% if ENV['PP'] == 'true' %>\nlisten 80 proxy_protocol;\n<% else %>\nlisten 80;\n<% end %>\nadd_header X max-age=<%= ENV['HSTS'] || 31536000 %>;\nserver <%= server %>;\n",
    lines: {
      1: '',
      2: 'listen 80 proxy_protocol;',
      4: '',
      5: '',
      6: 'add_header X max-age=31536000;',
      7: 'server __tpl_server__;',
    },
    kinds: ['erb'],
  },
  {
    name: 'ERB each do |x| ... end is a loop',
    file: 'x.conf.erb',
    text: "upstream c {\n<% ENV['U'].split(',').each do |s| %>\n  server <%= s %>;\n<% end %>\n}\n",
    lines: { 2: '', 3: 'server __tpl_s__;', 4: '', 5: '}' },
  },
  {
    name: 'envsubst ${VAR} is opaque and ${VAR:-default} takes the default',
    file: 'resources/nginx-template.conf',
    text: 'upstream b {\n  server ${BACKEND} fail_timeout=0;\n}\nserver { listen ${PORT:-8080}; }\n',
    lines: { 2: 'server __tpl_BACKEND__ fail_timeout=0;', 4: 'server { listen 8080; }' },
    kinds: ['envsubst'],
  },
  {
    name: 'trap: nginx ${msec} (lower case) is an nginx variable, not envsubst',
    file: 'site.conf',
    text: 'proxy_set_header X-Request-Start "t=${msec}";\n',
    none: true,
  },
  {
    name: 'trap: compose files expand ${VAR} themselves (the compose collector reads .env)',
    file: 'docker-compose.yml',
    text: 'services:\n  web:\n    image: ${IMAGE:-app}\n',
    none: true,
  },
  {
    name: 'trap: a shell script owns its ${VAR}',
    file: 'start.sh',
    text: 'exec gunicorn -b ${BIND:-0.0.0.0:8000} app:app\n',
    none: true,
  },
  {
    name: 'Helm: .Values placeholder, if/end, a block inserter alone on its line is blanked',
    file: 'charts/web/templates/deployment.yaml',
    text: 'metadata:\n  name: {{ include "web.fullname" . }}\n  labels:\n    {{- include "web.labels" . | nindent 4 }}\nspec:\n  {{- if .Values.autoscaling.enabled }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n  port: {{ .Values.port | default 8000 }}\n',
    lines: { 2: 'name: __tpl_web_fullname__', 4: '', 6: '', 7: 'replicas: __tpl_Values_replicaCount__', 8: '', 9: 'port: 8000' },
    kinds: ['go'],
  },
  {
    name: 'Helm define bodies are dropped (a _helpers.tpl renders nothing itself)',
    file: 'templates/_helpers.tpl',
    text: '{{- define "x.name" -}}\n{{ .Chart.Name }}\n{{- end }}\nkind: Service\n',
    lines: { 2: '', 4: 'kind: Service' },
  },
  {
    name: 'cookiecutter Jinja in a Python settings file',
    file: '{{cookiecutter.project_slug}}/config/settings/production.py',
    text: "{% if cookiecutter.use_sentry == 'y' %}\nimport sentry_sdk\n{%- endif %}\nALLOWED_HOSTS = ['{{ cookiecutter.domain_name }}']\n",
    lines: { 1: '', 2: 'import sentry_sdk', 3: '', 4: "ALLOWED_HOSTS = ['__tpl_cookiecutter_domain_name__']" },
  },
  {
    name: 'trap: a Python file with a Django template string is not a template',
    file: 'app/views.py',
    text: 'T = "<p>{{ user.name }}</p>"\nSECURE_SSL_REDIRECT = True\n',
    none: true,
  },
  {
    name: 'trap: a plain nginx config is returned unchanged',
    file: 'nginx.conf',
    text: 'server { listen 80; location / { proxy_pass http://app; } }\n',
    none: true,
  },
  {
    name: 'invalid: an unterminated {% if %} keeps its branch to the end and never throws',
    file: 'a.conf.j2',
    text: '{% if x %}\nlisten 80;\nserver_name a;\n',
    lines: { 2: 'listen 80;', 3: 'server_name a;' },
  },
  {
    name: 'invalid: an {% endif %} without an if is ignored',
    file: 'a.conf.j2',
    text: 'listen 80;\n{% endif %}\nserver_name a;\n',
    lines: { 1: 'listen 80;', 2: '', 3: 'server_name a;' },
  },
  {
    name: 'terraform templatefile: %{ if } keeps its first branch, %{ for } its body once, ${var} is opaque',
    file: 'modules/ingress/templates/values.yaml.tpl',
    text: 'controller:\n  ingressClass: ${ingress_class}\n  %{~ if provider == "aws" ~}\n  hostNetwork: true\n  %{~ else ~}\n  hostNetwork: false\n  %{~ endif ~}\n  config:\n    %{~ for key, value in extra_config ~}\n    ${key}: "${value}"\n    %{~ endfor ~}\n    use-forwarded-headers: "true"\n',
    lines: {
      2: 'ingressClass: __tpl_ingress_class__',
      3: '',
      4: 'hostNetwork: true',
      6: '',
      10: '__tpl_key__: "__tpl_value__"',
      12: 'use-forwarded-headers: "true"',
    },
    kinds: ['terraform'],
  },
  {
    name: 'trap: a YAML file with ${VAR} but no %{ } directive is not a Terraform template (compose interpolates it)',
    file: 'docker-compose.yml',
    text: 'services:\n  web:\n    image: app:${TAG}\n',
    none: true,
  },
  {
    name: 'terraform: an escaped $${literal} stays as written',
    file: 'cloud-init.tftpl',
    text: 'a: ${name}\nb: $${HOME}\n',
    lines: { 1: 'a: __tpl_name__', 2: 'b: $${HOME}' },
    kinds: ['terraform'],
  },
  {
    name: 'ansible: {{ ansible_managed | comment }} renders as a comment (empty), not a placeholder a parser would read',
    file: 'templates/Caddyfile.j2',
    text: '{{ ansible_managed | comment }}\n:8080 {\n\tbind 127.0.0.1\n}\n',
    lines: { 1: '', 2: ':8080 {' },
    kinds: ['jinja'],
  },
  {
    name: 'too template-heavy: most lines are template code',
    file: 'vhost.conf.j2',
    text: '{% for s in servers %}\n{{ s.block }}\n{% if s.tls %}\n{{ s.tls_block }}\n{% endif %}\n{{ s.extra }}\n{% endfor %}\n',
    heavy: true,
  },
];

for (const c of CASES) {
  test(`template: ${c.name}`, () => {
    const d = detemplate(c.text, {
      name: c.file,
      branch: c.branch,
      ...(c.pick ? { pick: new Map(Object.entries(c.pick).map(([k, v]) => [Number(k), v])) } : {}),
    });
    if (c.none) {
      assert.equal(d, undefined);
      return;
    }
    assert.ok(d, 'template syntax expected');
    assert.equal(d.text.split('\n').length, c.text.split('\n').length, 'line count preserved');
    if (c.heavy) {
      assert.ok(d.heavy, 'expected heavy');
      return;
    }
    assert.equal(d.heavy, undefined, d.heavy);
    if (c.kinds) assert.deepEqual(d.kinds, c.kinds);
    const lines = d.text.split('\n');
    for (const [n, want] of Object.entries(c.lines ?? {})) assert.equal(lines[Number(n) - 1]?.trim(), want, `line ${n}`);
    if (c.chains)
      assert.deepEqual(
        d.chains.map((ch) => [ch.line, ch.alternatives.map((b) => b.line), ch.hasElse, ch.reached, ch.holdsText]),
        c.chains,
      );
  });
}

test('template: the nginx parser reads one rendering: the first branch, or the one a pick names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tpl-'));
  const f = join(dir, 'site.conf.j2');
  writeFileSync(
    f,
    'server {\n  listen 443 ssl;\n  {% if err %}\n  location / { return 403; }\n  {% else %}\n  location /admin { proxy_pass http://admin; }\n  {% endif %}\n}\n',
  );
  const locations = (picks?: Map<string, Map<number, number>>): string[] =>
    (
      parseNginxFile(f, { context: ['http'], ...(picks ? { templatePicks: picks } : {}) })
        .config[0]?.parsed.find((d) => d.directive === 'server')
        ?.block?.filter((d) => d.directive === 'location') ?? []
    ).map((d) => `${d.args[0]}@${d.line}`);
  // Not the union of both branches: no rendering has both locations.
  assert.deepEqual(locations(), ['/@4']);
  assert.deepEqual(locations(new Map([[f, new Map([[3, 1]])]])), ['/admin@6']);
  const g = join(dir, 'split.conf.j2');
  // Each branch opens the same block: one rendering opens one.
  writeFileSync(
    g,
    '{% if tls %}\nserver { listen 443 ssl;\n{% else %}\nserver { listen 80;\n{% endif %}\n  location / { proxy_pass http://a; }\n}\n',
  );
  for (const [pick, port] of [
    [0, '443'],
    [1, '80'],
  ] as const) {
    const tree = parseNginxFile(g, { context: ['http'], templatePicks: new Map([[g, new Map([[1, pick]])]]) });
    assert.deepEqual(tree.errors, []);
    const only = tree.config[0]?.parsed.filter((d) => d.directive === 'server');
    assert.equal(only?.length, 1);
    assert.equal(only?.[0]?.block?.[0]?.args[0], port);
  }
});

test('template: names', () => {
  assert.equal(renderedName('nginx.conf.j2'), 'nginx.conf');
  assert.equal(renderedName('server.conf.erb'), 'server.conf');
  assert.equal(renderedName('nginx.conf'), 'nginx.conf');
  assert.ok(isTemplateName('default.conf.template'));
  assert.ok(isTemplateName('nginx-template.conf'));
  assert.ok(!isTemplateName('nginx.conf'));
  assert.ok(isPlaceholder('__tpl_BACKEND__:8000'));
  assert.ok(!isPlaceholder('app:8000'));
});

test('template: branchAt names the branch a line lies in', () => {
  const d = detemplate('a;\n{% if tls %}\nlisten 443;\n{% else %}\nlisten 80;\n{% endif %}\n', { name: 'x.conf.j2' });
  assert.ok(d);
  assert.equal(branchAt(d, 3)?.tag, '{% if tls %}');
  assert.equal(branchAt(d, 3)?.kept, true);
  assert.equal(branchAt(d, 5)?.tag, '{% else %}');
  assert.equal(branchAt(d, 5)?.kept, false);
  assert.equal(branchAt(d, 1), undefined);
});

test('template: renderForCollectors returns the rendered bytes, and says "not read" for a heavy file', () => {
  const diags: Diagnostic[] = [];
  const notes = new Map();
  const out = renderForCollectors('x.conf.j2', Buffer.from('server {\n  server_name {{ h }};\n}\n'), diags, notes);
  assert.equal(out.toString(), 'server {\n  server_name __tpl_h__;\n}\n');
  assert.ok(notes.has('x.conf.j2'));
  const heavy = renderForCollectors('y.conf.j2', Buffer.from(CASES.at(-1)?.text ?? ''), diags, notes);
  assert.equal(heavy.length, 0);
  assert.match(diags[0]?.message ?? '', /too template-heavy to read .*lint the rendered file/);
  assert.equal(diags[0]?.file, 'y.conf.j2');
  const plain = Buffer.from('listen 80;\n');
  assert.equal(renderForCollectors('a.conf', plain, diags), plain);
});

test('lint: a too template-heavy file is listed under "Not read" with why, not printed as a warning apart', async () => {
  const { notRead, facts } = await lintFiles({
    'nginx/vhost.conf.j2':
      '{% for s in servers %}\n{{ s.block }}\n{% if s.tls %}\n{{ s.tls_block }}\n{% endif %}\n{{ s.extra }}\n{% endfor %}\n',
    'site.conf': 'server {\n    listen 80;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n',
  });
  const heavy = notRead.filter((n) => n.file === 'nginx/vhost.conf.j2');
  assert.equal(heavy.length, 1, JSON.stringify(notRead));
  assert.match(heavy[0]!.reason, /^too template-heavy to read \(7 of 7 lines are template code\): lint the rendered file$/);
  assert.deepEqual(
    facts.diagnostics.filter((d) => d.file === 'nginx/vhost.conf.j2'),
    [],
    'no separate warning line for the same file',
  );
});

test('lint (trap): a template with a few placeholders is read rendered, so it is not under "Not read"', async () => {
  const { notRead, facts } = await lintFiles({
    'nginx/site.conf.j2':
      'server {\n    listen 443 ssl;\n    server_name {{ domain }};\n    location / {\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n',
  });
  assert.deepEqual(
    notRead.filter((n) => n.file === 'nginx/site.conf.j2'),
    [],
  );
  assert.ok(facts.nginx?.configs.length, 'the rendered template is read as nginx');
});

test('template: the nginx parser reads a template rendered, errors keep the template line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tpl-'));
  const f = join(dir, 'site.conf.j2');
  writeFileSync(
    f,
    '{# x #}\nserver {\n  {% if a %}\n  listen {{ port }};\n  {% endif %}\n  location / { proxy_pass http://{{ up }}; }\n  bogus_directive_here on;\n}\n',
  );
  const tree = parseNginxFile(f, { context: ['http'] });
  const server = tree.config[0]?.parsed.find((d) => d.directive === 'server');
  assert.ok(server?.block);
  const loc = server.block.find((d) => d.directive === 'location');
  assert.equal(loc?.line, 6);
  assert.equal(loc?.block?.[0]?.args[0], 'http://__tpl_up__');
});
