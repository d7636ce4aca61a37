/**
 * nginx/envsubst-blanks-variables through the real engine: the template note comes from the collectors
 * (collectors/template/envsubst.ts `everyName`), so each case is a small tree. Invalid cases run the fix loop
 * (test/fix/loop.ts): the explicit list written into the script line makes the finding go away.
 */
import { test } from 'node:test';
import { envsubstBlanksVariables } from '../../../src/checks/nginx/envsubst-blanks-variables.js';
import { type Case, runCase } from '../../python/lint-files.js';

const SITE = (body: string): string =>
  `server {\n  listen 80;\n  location / {\n    proxy_pass http://\${BACKEND};\n${body}  }\n}\n`;
const HOST = '    proxy_set_header Host $host;\n';
const SCRIPT = (cmd: string, before = ''): string => `#!/bin/sh\n${before}${cmd}\nexec nginx -g 'daemon off;'\n`;
const PLAIN = 'envsubst < nginx.conf.template > /etc/nginx/conf.d/default.conf';

const CASES: Case[] = [
  {
    name: 'a start script with no list: `proxy_set_header Host $host;` becomes `Host ;`',
    files: { 'nginx/nginx.conf.template': SITE(HOST), 'nginx/start.sh': SCRIPT(PLAIN) },
    expect: {
      count: 1,
      severity: 'high',
      file: 'nginx/nginx.conf.template',
      line: 5,
      message: /`proxy_set_header Host ;`, which nginx refuses/,
      fixLine: "envsubst '${BACKEND}' < nginx.conf.template > /etc/nginx/conf.d/default.conf",
      fixAt: { line: 2, placement: 'replace' },
    },
  },
  {
    name: 'a quoted "$scheme" is rendered as an empty value (the header is not sent)',
    files: {
      'nginx/nginx.conf.template': SITE('    proxy_set_header X-Forwarded-Proto "$scheme";\n'),
      'nginx/start.sh': SCRIPT(PLAIN, 'export BACKEND=app:8000\n'),
    },
    expect: { count: 1, line: 5, message: /X-Forwarded-Proto "";`: a header set to an empty value is not sent/ },
  },
  {
    name: '`cat x | envsubst > y` with two lines hit; the argument-losing one is shown first',
    files: {
      'site.tpl': SITE(
        '    proxy_set_header X-Forwarded-Proto "$scheme";\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n',
      ),
      'run.sh': SCRIPT('cat site.tpl | envsubst > /etc/nginx/conf.d/default.conf'),
    },
    expect: { count: 1, line: 6, message: /\$scheme, \$proxy_add_x_forwarded_for .*\(2 lines in all\)/ },
  },
  {
    name: "a Dockerfile CMD's sh -c envsubst over the copied template",
    files: {
      'site.tpl': SITE(HOST),
      Dockerfile:
        'FROM nginx:1.27\nCOPY site.tpl /etc/nginx/site.tpl\nCMD ["/bin/sh", "-c", "envsubst < /etc/nginx/site.tpl > /etc/nginx/conf.d/default.conf && exec nginx -g \'daemon off;\'"]\n',
    },
    expect: { count: 1, line: 5, fixAt: { line: 3, placement: 'replace' } },
  },
  {
    name: 'a shell-form CMD /bin/sh -c "...": the list is written with escaped dollars (the outer shell reads it first)',
    files: {
      'site.tpl': SITE(HOST),
      Dockerfile:
        'FROM nginx:1.27\nCOPY site.tpl /etc/nginx/site.tpl\nENV BACKEND=app:8000\nCMD /bin/sh -c "envsubst < /etc/nginx/site.tpl > /etc/nginx/conf.d/default.conf && nginx -g \'daemon off;\'"\n',
    },
    expect: {
      count: 1,
      line: 5,
      fixLine:
        "CMD /bin/sh -c \"envsubst '\\${BACKEND}' < /etc/nginx/site.tpl > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'\"",
      fixAt: { line: 4, placement: 'replace' },
    },
  },
  {
    name: 'trap: shell-form CMD with an unescaped list inside double quotes (the outer shell expands it: unknown, not reported)',
    files: {
      'site.tpl': SITE(HOST),
      Dockerfile:
        "FROM nginx:1.27\nCOPY site.tpl /etc/nginx/site.tpl\nCMD /bin/sh -c \"envsubst '${BACKEND}' < /etc/nginx/site.tpl > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'\"\n",
    },
    expect: { count: 0 },
  },
  {
    name: "a compose command (the nginx image README's old recipe): the list is written with compose's `$$` escape",
    files: {
      'nginx/mysite.template': SITE(HOST),
      'docker-compose.yml':
        'services:\n  web:\n    image: nginx\n    volumes:\n      - ./nginx/mysite.template:/etc/nginx/conf.d/mysite.template\n    environment:\n      - BACKEND=app:8000\n    command: /bin/bash -c "envsubst < /etc/nginx/conf.d/mysite.template > /etc/nginx/conf.d/default.conf && exec nginx -g \'daemon off;\'"\n',
    },
    expect: {
      count: 1,
      line: 5,
      message: /\(docker-compose\.yml:8\)/,
      fixLine:
        "    command: /bin/bash -c \"envsubst '$${BACKEND}' < /etc/nginx/conf.d/mysite.template > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'\"",
    },
  },
  {
    name: "trap: a compose command whose list is written `'$$BACKEND'` (compose's escape: envsubst gets `$BACKEND`)",
    files: {
      'nginx/mysite.template': SITE(HOST),
      'docker-compose.yml':
        "services:\n  web:\n    image: nginx\n    volumes:\n      - ./nginx/mysite.template:/etc/nginx/conf.d/mysite.template\n    command: /bin/bash -c \"envsubst '$$BACKEND' < /etc/nginx/conf.d/mysite.template > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'\"\n",
    },
    expect: { count: 0 },
  },
  {
    name: '`$$host` is no escape for envsubst: it renders `$`',
    files: { 'nginx/nginx.conf.template': SITE('    proxy_set_header Host $$host;\n'), 'nginx/start.sh': SCRIPT(PLAIN) },
    expect: { count: 1, line: 5, message: /`proxy_set_header Host \$;`/ },
  },
  {
    name: "inside sh -c '...': advice only (a list in single quotes would end the quoting)",
    files: {
      'nginx/nginx.conf.template': SITE(HOST),
      'nginx/start.sh': SCRIPT(PLAIN.replace('envsubst', "echo 'rendering' && envsubst")),
    },
    expect: { count: 1, line: 5, mechanical: false },
  },
  {
    name: 'trap: an explicit list (nginx variables stay as written)',
    files: {
      'nginx/nginx.conf.template': SITE(HOST),
      'nginx/start.sh': SCRIPT(PLAIN.replace('envsubst', "envsubst '$BACKEND'")),
    },
    expect: { count: 0 },
  },
  {
    name: "trap: the nginx image's own templates folder (its entrypoint lists the defined names)",
    files: {
      'templates/default.conf.template': SITE(HOST),
      'docker-compose.yml':
        'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./templates:/etc/nginx/templates\n    environment:\n      BACKEND: app:8000\n',
    },
    expect: { count: 0 },
  },
  {
    name: "trap: the `${DOLLAR}host` workaround (DOLLAR='$' exported: envsubst writes `$host`)",
    files: {
      'nginx/nginx.conf.template': SITE('    proxy_set_header Host ${DOLLAR}host;\n'),
      'nginx/start.sh': SCRIPT(PLAIN, "export DOLLAR='$'\n"),
    },
    expect: { count: 0 },
  },
  {
    name: 'trap: nginx variables only in a comment',
    files: {
      'nginx/nginx.conf.template': SITE('    # proxy_set_header Host $host;\n'),
      'nginx/start.sh': SCRIPT(PLAIN),
    },
    expect: { count: 0 },
  },
  {
    name: 'trap: no list, but the template uses no nginx variable',
    files: { 'nginx/nginx.conf.template': SITE(''), 'nginx/start.sh': SCRIPT(PLAIN) },
    expect: { count: 0 },
  },
];

for (const c of CASES)
  test(`nginx/envsubst-blanks-variables: ${c.expect.count ? 'invalid' : 'valid'}: ${c.name}`, async () => {
    await runCase(envsubstBlanksVariables, c);
  });
