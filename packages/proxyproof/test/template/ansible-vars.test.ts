/**
 * Ansible variables fill a role template's placeholders (collectors/template/ansible.ts): `listen {{ https_port }}`
 * and `proxy_pass http://127.0.0.1:{{ app_port }}` in `roles/web/templates/site.conf.j2` take the one value the
 * tree's vars files give (role defaults, group_vars, host_vars, play vars, role vars; Ansible's precedence), and a
 * finding on the line points at where the value is written. Several visible values, or a variable a task sets at
 * run time, stay opaque (the listener's port unknown, as before).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';
import { checkTemplateValueCase, type TemplateValueCase } from './template-value-case.js';

const SITE =
  'server {\n  listen {{ https_port }} ssl;\n  server_name {{ domain }};\n  ssl_certificate /etc/ssl/x.pem;\n' +
  '  ssl_certificate_key /etc/ssl/x.key;\n  location / {\n    proxy_pass http://127.0.0.1:{{ app_port }};\n' +
  '    proxy_set_header Host $host;\n  }\n}\n';
const TASKS = '- name: site\n  template: src=site.conf.j2 dest=/etc/nginx/conf.d/site.conf\n';
const role = (extra: Record<string, string>, site = SITE): Record<string, string> => ({
  'roles/web/templates/site.conf.j2': site,
  'roles/web/tasks/main.yml': TASKS,
  ...extra,
});

type Case = TemplateValueCase;

const CASES: Case[] = [
  {
    name: 'role defaults give both ports',
    files: role({ 'roles/web/defaults/main.yml': '---\nhttps_port: 443\napp_port: 8000\n' }),
    ports: '443',
    upstream: /127\.0\.0\.1:8000$/,
    from: 'roles/web/defaults/main.yml:3',
  },
  {
    name: 'group_vars/all hides the role default',
    files: role({
      'roles/web/defaults/main.yml': 'https_port: 443\napp_port: 8000\n',
      'group_vars/all.yml': '---\n# the app\napp_port: 9000\n',
    }),
    ports: '443',
    upstream: /127\.0\.0\.1:9000$/,
    from: 'group_vars/all.yml:3',
  },
  {
    name: 'a group_vars folder (group_vars/all/main.yml) counts as group_vars/all',
    files: role({ 'inventory/group_vars/all/main.yml': 'https_port: 8443\napp_port: 9000\n' }),
    ports: '8443',
    upstream: /127\.0\.0\.1:9000$/,
    from: 'inventory/group_vars/all/main.yml:2',
  },
  {
    name: 'two groups give two values: stays a template value',
    files: role({
      'roles/web/defaults/main.yml': 'https_port: 443\n',
      'group_vars/web.yml': 'app_port: 8000\n',
      'group_vars/staging.yml': 'app_port: 8001\n',
    }),
    ports: '443',
    upstream: /a template value|__tpl_app_port__/,
  },
  {
    name: 'a group override with the same value as the default is one value',
    files: role({
      'roles/web/defaults/main.yml': 'https_port: 443\napp_port: 8000\n',
      'host_vars/web1.yml': 'app_port: 8000\n',
    }),
    ports: '443',
    upstream: /127\.0\.0\.1:8000$/,
  },
  {
    name: "the group every play applying the role targets hides the role's default",
    files: role({
      'roles/web/defaults/main.yml': 'https_port: 443\napp_port: 8000\n',
      'inventories/dev/group_vars/web/main.yml': 'app_port: 9000\n',
      'playbook.yml': '- name: Nginx\n  hosts: web\n  roles:\n    - web\n',
    }),
    ports: '443',
    upstream: /127\.0\.0\.1:9000$/,
    from: 'inventories/dev/group_vars/web/main.yml:1',
  },
  {
    name: 'trap: a play on all hosts sees the default and the group value: stays a template value',
    files: role({
      'roles/web/defaults/main.yml': 'https_port: 443\napp_port: 8000\n',
      'inventories/dev/group_vars/web/main.yml': 'app_port: 9000\n',
      'playbook.yml': '- name: Nginx\n  hosts: all\n  roles:\n    - web\n',
    }),
    ports: '443',
    upstream: /a template value|__tpl_app_port__/,
  },
  {
    name: "the role's vars/main.yml beats group_vars",
    files: role({
      'roles/web/vars/main.yml': 'https_port: 443\napp_port: 7000\n',
      'group_vars/web.yml': 'app_port: 8000\n',
      'group_vars/staging.yml': 'app_port: 8001\n',
    }),
    ports: '443',
    upstream: /127\.0\.0\.1:7000$/,
    from: 'roles/web/vars/main.yml:2',
  },
  {
    name: 'play vars of a playbook next to roles/',
    files: role({
      'site.yml': '- hosts: web\n  become: true\n  vars:\n    https_port: 443\n    app_port: 8080\n  roles:\n    - web\n',
    }),
    ports: '443',
    upstream: /127\.0\.0\.1:8080$/,
    from: 'site.yml:5',
  },
  {
    // Held-out Kabalod/Dubai-mvp-final@97d239753200: `template: src=yoursite.com-ssl.conf.tpl` in a play with `vars:`.
    name: "a playbook's template task names a .tpl beside it: the play's vars fill it",
    files: {
      'deploy/set_https.yml':
        '---\n- hosts: all\n  vars:\n    https_port: 443\n    app_port: 8000\n  tasks:\n    - name: vhost\n      template:\n        src=site.conf.tpl\n        dest=/etc/nginx/sites-enabled/site.conf\n',
      'deploy/site.conf.tpl': SITE,
    },
    ports: '443',
    upstream: /127\.0\.0\.1:8000$/,
    from: 'deploy/set_https.yml:5',
  },
  {
    name: 'the mapping form (ansible.builtin.template: with src:) names it too',
    files: {
      'site.yml':
        '- hosts: web\n  vars:\n    https_port: 8443\n    app_port: 9000\n  tasks:\n    - ansible.builtin.template:\n        src: "vhost.tpl"\n        dest: /etc/nginx/conf.d/vhost.conf\n',
      'vhost.tpl': SITE,
    },
    ports: '8443',
    upstream: /127\.0\.0\.1:9000$/,
    from: 'site.yml:4',
  },
  {
    name: 'trap: a .tpl no template task names is not an Ansible template (the play vars do not fill it)',
    files: {
      'site.yml':
        '- hosts: web\n  vars:\n    https_port: 443\n    app_port: 8000\n  tasks:\n    - template: src=other.tpl dest=/etc/x\n',
      'site.conf.tpl': SITE,
    },
    ports: '?',
    upstream: /a template value|__tpl_app_port__/,
  },
  {
    name: 'a dictionary member and a value that is itself a template',
    files: role(
      { 'roles/web/defaults/main.yml': 'site:\n  tls_port: 443\nbase_port: 8000\napp_port: "{{ base_port }}"\n' },
      SITE.replace('{{ https_port }}', '{{ site.tls_port }}').replace('{{ app_port }}', '{{ app_port | int }}'),
    ),
    ports: '443',
    upstream: /127\.0\.0\.1:8000$/,
  },
  {
    name: 'a variable a task sets with set_fact stays a template value',
    files: role({
      'roles/web/defaults/main.yml': 'https_port: 443\napp_port: 8000\n',
      'roles/web/tasks/main.yml': `${TASKS}- set_fact:\n    app_port: "{{ 8000 + 1 }}"\n`,
    }),
    ports: '443',
    upstream: /a template value|__tpl_app_port__/,
  },
  {
    name: 'a filter that changes the value stays a template value',
    files: role(
      { 'roles/web/defaults/main.yml': 'https_port: 443\napp_port: 8000\n' },
      SITE.replace('{{ app_port }}', '{{ app_port + 1 }}'),
    ),
    ports: '443',
    upstream: /a template value|__tpl_app_port__/,
  },
  {
    name: 'trap: a multi-line value stays a template value (lines are kept where they are)',
    files: role({ 'roles/web/defaults/main.yml': 'https_port: |-\n  443 ssl;\n  listen 8443\napp_port: 8000\n' }),
    ports: '?',
    upstream: /127\.0\.0\.1:8000$/,
  },
  {
    name: 'trap: a .j2 template with no Ansible variable files is unchanged',
    files: { 'templates/site.conf.j2': SITE },
    ports: '?',
    upstream: /a template value|__tpl_app_port__/,
  },
  {
    name: "trap: another role's defaults are not visible",
    files: role({ 'roles/db/defaults/main.yml': 'https_port: 5432\napp_port: 5432\n', 'roles/db/tasks/main.yml': '- ping:\n' }),
    ports: '?',
    upstream: /a template value|__tpl_app_port__/,
  },
];

for (const c of CASES) {
  test(`ansible vars: ${c.name}`, async () => {
    const { froms, hit } = await checkTemplateValueCase(c, /the one value the tree's variable files give it/);
    if (hit) assert.ok(hit.snippet && /:/.test(hit.snippet), 'the value line as snippet');
    if (c.ports === '?' && /template value/.test(c.upstream.source))
      assert.equal(froms.length, 0, 'no value evidence for an opaque placeholder');
  });
}

test('ansible vars: a role template of a systemd unit links the proxy to its app server', async () => {
  const { facts } = await lintFiles(
    role({
      'group_vars/all.yml': 'https_port: 443\napp_port: 8000\ndomain: app.example.org\n',
      'roles/app/templates/gunicorn.service.j2':
        '[Unit]\nDescription=app\n[Service]\nExecStart=/srv/venv/bin/gunicorn --bind 127.0.0.1:{{ app_port }} app.wsgi\n[Install]\nWantedBy=multi-user.target\n',
      'roles/app/tasks/main.yml': '- template: src=gunicorn.service.j2 dest=/etc/systemd/system/gunicorn.service\n',
    }),
  );
  const a = analyzeChain(facts);
  const app = a.topology.apps.find((x) => /gunicorn/.test(x.label));
  assert.ok(app, a.topology.apps.map((x) => x.label).join(', '));
  assert.match(app.label, /127\.0\.0\.1:8000/);
  assert.ok(
    a.topology.links.some((l) => l.target.kind === 'app' && l.target.appId === app.id),
    'the nginx route links to gunicorn',
  );
});
