// An ALB read from Terraform (HTTPS listener) forwards to the port its targets are registered on: an ECS service's
// load_balancer container_port (a var with a literal default), else the target group's port. With several apps in
// the tree, that port picks the one behind the ALB.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsFor } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';

const TF = (containerPort: string, tgPort = '"80"') =>
  `resource "aws_lb_target_group" "app" {\n  port     = ${tgPort}\n  protocol = "HTTP"\n  target_type = "ip"\n}\n\nresource "aws_lb_listener" "app" {\n  port              = "443"\n  protocol          = "HTTPS"\n  certificate_arn   = "arn"\n\n  default_action {\n    target_group_arn = "\${aws_lb_target_group.app.id}"\n    type             = "forward"\n  }\n}\n\nresource "aws_ecs_service" "app" {\n  name = "app"\n${containerPort ? `  load_balancer {\n    target_group_arn = "\${aws_lb_target_group.app.arn}"\n    container_name   = "django"\n    container_port   = ${containerPort}\n  }\n` : ''}}\n`;
const VARS = 'variable "app_port" {\n  default = "8080"\n}\n';
const SETTINGS = (extra = '') =>
  `SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.example.org"]\nINSTALLED_APPS = ["django.contrib.admin"]\nROOT_URLCONF = "site.urls"\n${extra}`;
const COMPOSE =
  'services:\n  dev:\n    image: python:3.12\n    command: gunicorn -b 0.0.0.0:8081 --reload site.wsgi\n    ports:\n      - "8081:8081"\n';
const DOCKERFILE = 'FROM python:3.12\nCOPY . /app\nCMD ["gunicorn", "-b", ":8080", "site.wsgi"]\n';

test('terraform: the ALB target port is the ECS container_port, through var.app_port’s default', async () => {
  const { facts } = await lintFiles({ 'tf/main.tf': TF('"${var.app_port}"'), 'tf/variables.tf': VARS });
  const alb = facts.fronts?.find((f) => f.name === 'aws-alb');
  assert.equal(alb?.targetPort?.port, 8080);
  assert.equal(alb?.targetPort?.ref.line, 23);
  assert.equal(alb?.evidence[0]?.line, 7);
});

test('terraform: without an ECS service the target group port is the target port', async () => {
  const { facts } = await lintFiles({ 'tf/main.tf': TF('', '8000') });
  assert.equal(facts.fronts?.find((f) => f.name === 'aws-alb')?.targetPort?.port, 8000);
});

test('chain: ALB (HTTPS listener) -> the gunicorn on the ECS port (not the dev one) -> Django is lost, TLS at the listener', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'alb ecs',
    files: {
      'tf/main.tf': TF('"${var.app_port}"'),
      'tf/variables.tf': VARS,
      'docker-compose.yml': COMPOSE,
      Dockerfile: DOCKERFILE,
      'site/settings.py': SETTINGS(),
      'site/wsgi.py': '',
    },
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /lost at hop 2 \(gunicorn [^)]*:8080\)/);
  assert.ok(
    f[0]?.evidence.some((e) => e.file.endsWith('main.tf') && e.line === 7),
    JSON.stringify(f[0]?.evidence),
  );
});

test('chain (trap): with the ALB on a port no app listens on, nothing is linked', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'alb other port',
    files: {
      'tf/main.tf': TF('9000'),
      'docker-compose.yml': COMPOSE,
      Dockerfile: DOCKERFILE,
      'site/settings.py': SETTINGS(),
      'site/wsgi.py': '',
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});
