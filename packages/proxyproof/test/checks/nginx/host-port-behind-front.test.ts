import { hostPortBehindFront } from '../../../src/checks/nginx/host-port-behind-front.js';
import { caseTable } from './harness.js';

const ID = 'nginx/host-port-behind-front';

caseTable(hostPortBehindFront, [
  {
    name: 'Host $host:$server_port in a plain server behind a balancer (set_real_ip_from)',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header Host $host:$server_port;\n    proxy_pass http://app:8080;\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: 'uwsgi_param HTTP_HOST with $server_port behind a balancer',
    config:
      'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    include uwsgi_params;\n    uwsgi_param HTTP_HOST $host:$server_port;\n    uwsgi_pass app:3031;\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: 'the same line in several locations: one finding, led by location /',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location /api/ {\n    proxy_set_header Host $host:$server_port;\n    proxy_pass http://app:8080;\n  }\n  location / {\n    proxy_set_header Host $host:$server_port;\n    proxy_pass http://app:8080;\n  }\n}',
    expect: [`${ID}@9`],
  },
  {
    name: 'TLS only in a template branch: the plain rendering is behind whatever ends TLS',
    config:
      "server {\n  listen {{ port }}{% if port == '443' %} ssl{% endif %};\n  location / {\n    proxy_set_header Host $host:$server_port;\n    proxy_pass http://app:8080;\n  }\n}",
    expect: [`${ID}@4`],
  },
  // valid
  {
    name: 'trap: nginx ends TLS itself: $server_port is the port the browser used',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header Host $host:$server_port;\n    proxy_pass http://app:8080;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: a plain server nothing fronts (the browser talks to nginx on its own port)',
    config:
      'server {\n  listen 8080;\n  server_name intranet.lan;\n  location / {\n    proxy_set_header Host $host:$server_port;\n    proxy_pass http://app:8080;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: Host $host behind a balancer carries no port of nginx',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app:8080;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: $server_port in another header (X-Forwarded-Port is a separate question)',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header X-Forwarded-Port $server_port;\n    proxy_pass http://app:8080;\n  }\n}',
    expect: [],
  },
]);
