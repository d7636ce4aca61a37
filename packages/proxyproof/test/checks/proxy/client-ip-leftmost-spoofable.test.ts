import { test } from 'node:test';
import { proxyClientIpLeftmostSpoofable as check } from '../../../src/checks/proxy/client-ip-leftmost-spoofable.js';
import { type Case, runCase } from '../../python/lint-files.js';

const HS = (xf: string, bind = "['::1', '127.0.0.1']") =>
  `listeners:\n- port: 8008\n  tls: false\n  type: http\n  x_forwarded: ${xf}\n  bind_addresses: ${bind}\n  resources:\n  - names: [client]\n`;
const VHOST = (extra = '') =>
  `<VirtualHost *:443>\n    SSLEngine on\n    ServerName matrix.example.com\n${extra}    ProxyPass /_matrix http://127.0.0.1:8008/_matrix nocanon\n</VirtualHost>\n`;

/** An nginx edge server in front of Synapse (nginx is read through its neutral sites: facts/nginx/sites.ts). */
const NGINX = (xff = '$proxy_add_x_forwarded_for', extra = '') =>
  `server {\n    listen 443 ssl;\n    server_name matrix.example.com;\n    ssl_certificate /etc/ssl/m.pem;\n    ssl_certificate_key /etc/ssl/m.key;\n${extra}    location /_matrix {\n        proxy_pass http://127.0.0.1:8008;\n        proxy_set_header X-Forwarded-For ${xff};\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n`;

const cases: Case[] = [
  {
    name: 'invalid: nginx edge server appends ($proxy_add_x_forwarded_for), Synapse x_forwarded takes the left-most entry',
    files: { 'matrix.conf': NGINX(), 'homeserver.yaml': HS('true') },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'matrix.conf',
      line: 1,
      fixLine: 'proxy_set_header X-Forwarded-For $remote_addr;',
      fixAt: { line: 8, placement: 'replace' },
    },
  },
  {
    name: 'valid: nginx sends $remote_addr (the fix; Synapse reverse-proxy docs)',
    files: { 'matrix.conf': NGINX('$remote_addr'), 'homeserver.yaml': HS('true') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nginx behind a load balancer it names with real_ip is not the edge',
    files: {
      'matrix.conf': NGINX(
        '$proxy_add_x_forwarded_for',
        '    set_real_ip_from 10.0.0.0/8;\n    real_ip_header X-Forwarded-For;\n',
      ),
      'homeserver.yaml': HS('true'),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: the append comes from an include outside the tree (proxy_params): advice, no line to replace',
    files: {
      'matrix.conf':
        'server {\n    listen 443 ssl;\n    server_name m.example.com;\n    ssl_certificate /etc/ssl/m.pem;\n    ssl_certificate_key /etc/ssl/m.key;\n    location / {\n        include proxy_params;\n        proxy_pass http://127.0.0.1:8008;\n    }\n}\n',
      'homeserver.yaml': HS('true'),
    },
    expect: { count: 1, severity: 'medium', mechanical: false },
  },
  {
    name: 'invalid: Apache edge vhost appends to the client XFF, Synapse x_forwarded takes the left-most entry',
    files: { 'matrix.conf': VHOST(), 'homeserver.yaml': HS('true') },
    expect: { count: 1, severity: 'medium', file: 'matrix.conf', line: 1, fixLine: 'RequestHeader unset X-Forwarded-For' },
  },
  {
    name: 'valid: RequestHeader unset X-Forwarded-For first (the fix)',
    files: { 'matrix.conf': VHOST('    RequestHeader unset X-Forwarded-For\n'), 'homeserver.yaml': HS('true') },
    expect: { count: 0 },
  },
  {
    name: 'valid: Synapse without x_forwarded uses the TCP peer',
    files: { 'matrix.conf': VHOST(), 'homeserver.yaml': HS('false') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the upstream port is another app, not the Synapse listener',
    files: { 'matrix.conf': VHOST().replace(/8008/g, '8009'), 'homeserver.yaml': HS('true') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Apache behind a declared front trusts it (RemoteIP lists are another check): a front in the tree',
    files: {
      'matrix.conf': VHOST(),
      'homeserver.yaml': HS('true'),
      'fly.toml':
        'app = "x"\n[[services]]\n  internal_port = 443\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n',
    },
    expect: { count: 0 },
  },
];

/** MinIO (collectors/minio): the left-most X-Forwarded-For entry from any peer, started by a unit or a compose service. */
const MINIO_VHOST = (extra = '') =>
  `<VirtualHost *:80>\n    ServerName s3.example.com\n    ProxyPreserveHost On\n${extra}    ProxyPass / http://localhost:9000/\n    ProxyPassReverse / http://localhost:9000/\n</VirtualHost>\n`;
const MINIO_UNIT = (args = '$MINIO_OPTS $MINIO_VOLUMES') =>
  `[Service]\nEnvironmentFile=-/etc/default/minio\nExecStart=/usr/local/bin/minio server ${args}\n`;
const MINIO_COMPOSE = (image: string, command: string, env = '') =>
  `services:\n  minio:\n    image: ${image}\n    command: ${command}\n${env}  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n    volumes: ["./s3.conf:/etc/nginx/conf.d/default.conf:ro"]\n`;
const MINIO_NGINX = (port = 9000, xff = '$proxy_add_x_forwarded_for') =>
  `server {\n    listen 443 ssl;\n    server_name s3.example.com;\n    ssl_certificate /etc/ssl/s3.pem;\n    ssl_certificate_key /etc/ssl/s3.key;\n    location / {\n        proxy_set_header Host $http_host;\n        proxy_set_header X-Forwarded-For ${xff};\n        proxy_pass http://minio:${port};\n    }\n}\n`;

cases.push(
  {
    name: 'invalid: Apache edge vhost in front of MinIO (systemd `minio server`, default :9000): MinIO takes the left-most entry',
    files: { 'minio-vhost.conf': MINIO_VHOST(), 'minio.service': MINIO_UNIT() },
    expect: { count: 1, severity: 'medium', file: 'minio-vhost.conf', line: 1, fixLine: 'RequestHeader unset X-Forwarded-For' },
  },
  {
    name: 'valid: the same vhost drops the client X-Forwarded-For first (the fix)',
    files: { 'minio-vhost.conf': MINIO_VHOST('    RequestHeader unset X-Forwarded-For\n'), 'minio.service': MINIO_UNIT() },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): MinIO listens on --address :9100, the vhost proxies to :9000 (another program)',
    files: { 'minio-vhost.conf': MINIO_VHOST(), 'minio.service': MINIO_UNIT('--address :9100 /data') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a port held in a variable the files do not set is not guessed',
    files: { 'minio-vhost.conf': MINIO_VHOST(), 'minio.service': MINIO_UNIT('--address $MINIO_ADDR /data') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: nginx in compose appends, MinIO image (quay.io) runs `server /data` in service minio',
    files: {
      'docker-compose.yml': MINIO_COMPOSE(
        'quay.io/minio/minio:RELEASE.2024-01-01T00-00-00Z',
        'server /data --console-address ":9001"',
      ),
      's3.conf': MINIO_NGINX(),
    },
    expect: { count: 1, severity: 'medium', file: 's3.conf', line: 1, fixLine: 'proxy_set_header X-Forwarded-For $remote_addr;' },
  },
  {
    name: 'invalid: MINIO_ADDRESS in the service environment moves the port; the proxy follows it',
    files: {
      'docker-compose.yml': MINIO_COMPOSE('minio/minio', 'server /data', '    environment:\n      MINIO_ADDRESS: ":9100"\n'),
      's3.conf': MINIO_NGINX(9100),
    },
    expect: { count: 1, severity: 'medium', file: 's3.conf', line: 1 },
  },
  {
    name: 'valid: nginx sends $remote_addr to MinIO (the fix)',
    files: {
      'docker-compose.yml': MINIO_COMPOSE('minio/minio', 'server /data'),
      's3.conf': MINIO_NGINX(9000, '$remote_addr'),
    },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): a service named minio running MinIO's client image (minio/mc) is no S3 server",
    files: { 'docker-compose.yml': MINIO_COMPOSE('minio/mc', 'server /data'), 's3.conf': MINIO_NGINX() },
    expect: { count: 0 },
  },
);

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
