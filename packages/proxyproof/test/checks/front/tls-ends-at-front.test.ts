import { test } from 'node:test';
import { frontTlsEndsAtFront as check } from '../../../src/checks/front/tls-ends-at-front.js';
import { type Case, runCase } from '../../python/lint-files.js';

const app = { 'app.py': 'from flask import Flask\napp = Flask(__name__)\n' };
const cases: Case[] = [
  {
    name: 'invalid (low): fly.toml tls handler in front of an app',
    files: {
      ...app,
      'fly.toml':
        'app = "x"\n[[services]]\n  internal_port = 8000\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n',
    },
    expect: { count: 1, severity: 'low', file: 'fly.toml', line: 5 },
  },
  {
    name: 'invalid: Terraform ALB listener with protocol HTTPS',
    files: { ...app, 'lb.tf': 'resource "aws_lb_listener" "app" {\n  port     = "443"\n  protocol = "HTTPS"\n}\n' },
    expect: { count: 1, file: 'lb.tf', line: 1 },
  },
  {
    name: 'invalid: Elastic Beanstalk .ebextensions',
    files: { ...app, '.ebextensions/a.config': 'option_settings: {}\n' },
    expect: { count: 1, line: 1 },
  },
  {
    name: 'valid (trap): an HTTP-only ALB listener ends no TLS',
    files: { ...app, 'lb.tf': 'resource "aws_lb_listener" "app" {\n  port     = "80"\n  protocol = "HTTP"\n}\n' },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a fly.toml without a tls handler (TCP passthrough)',
    files: { ...app, 'fly.toml': 'app = "x"\n[[services]]\n  internal_port = 8443\n  [[services.ports]]\n    port = 443\n' },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
