import { test } from 'node:test';
import { proxyForwardedProtoMissing as check } from '../../../src/checks/proxy/forwarded-proto-missing.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { INGRESS, NGINX } from './sites.js';

const vhost = (body: string) =>
  `<VirtualHost *:443>\n    ServerName app.example.com\n    SSLEngine on\n${body}\n</VirtualHost>\n`;
// Debian/SUSE layout: the vhosts include a partial that holds the ProxyPass (Include with the server's absolute path,
// the repository keeps the file elsewhere: matched from the end of the path).
const TWO_VHOSTS =
  '<VirtualHost *:80>\n    ServerName app.example.com\n    Include /etc/apache2/conf.d/app.conf.partial\n</VirtualHost>\n<VirtualHost *:443>\n    ServerName app.example.com\n    SSLEngine On\n    IncludeOptional /etc/apache2/conf.d/app.conf.partia[l]\n</VirtualHost>\n';
// Both vhosts `Include` it (Apache refuses to start when such a file is missing).
const INCLUDES_BOTH = TWO_VHOSTS.replace(
  'IncludeOptional /etc/apache2/conf.d/app.conf.partia[l]',
  'Include /etc/apache2/conf.d/app.conf.partial',
);
const cases: Case[] = [
  {
    name: 'invalid: a TLS vhost whose ProxyPass comes from an included partial; the fix goes into the TLS vhost, not the partial the :80 vhost shares',
    files: {
      'vhosts.d/app.conf': TWO_VHOSTS,
      'conf.d/app.conf.partial': 'ProxyPass / http://127.0.0.1:3000/\nProxyPassReverse / http://127.0.0.1:3000/\n',
    },
    // Reported at the TLS vhost, where the header goes (the partial is shared with :80).
    expect: {
      count: 1,
      severity: 'high',
      file: 'vhosts.d/app.conf',
      line: 5,
      fixLine: 'RequestHeader set X-Forwarded-Proto "https"',
    },
  },
  {
    name: 'invalid: the included partial is not in the tree under its name; the only .conf.partial fragment beside the vhost that nothing includes is taken (a Chef template renders it under the Include name)',
    files: {
      'templates/apache.conf.erb': INCLUDES_BOTH,
      'templates/app-rails.conf.partial.erb': 'ProxyPass / http://127.0.0.1:<%= @port %>/\n',
    },
    expect: { count: 1, severity: 'high', file: 'templates/apache.conf.erb', line: 5 },
  },
  {
    name: 'valid (not guessed): an absent IncludeOptional file is not taken to be a fragment of another name',
    files: {
      'templates/apache.conf.erb': TWO_VHOSTS,
      'templates/app-rails.conf.partial.erb': 'ProxyPass / http://127.0.0.1:3000/\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (not guessed): two such fragments beside the vhost, so neither is taken',
    files: {
      'templates/apache.conf.erb': INCLUDES_BOTH,
      'templates/app-rails.conf.partial.erb': 'ProxyPass / http://127.0.0.1:3000/\n',
      'templates/app-api.conf.partial.erb': 'ProxyPass /api http://127.0.0.1:4000/\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (not guessed): the fragment is in another folder than the vhost that includes the missing file',
    files: {
      'vhosts/apache.conf': INCLUDES_BOTH,
      'partials/app-rails.conf.partial': 'ProxyPass / http://127.0.0.1:3000/\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: the included partial is read inside the vhost that sets the header',
    files: {
      'vhosts.d/app.conf': TWO_VHOSTS.replace('SSLEngine On', 'SSLEngine On\n    RequestHeader set X-Forwarded-Proto "https"'),
      'conf.d/app.conf.partial': 'ProxyPass / http://127.0.0.1:3000/\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Apache TLS vhost proxies without X-Forwarded-Proto (mod_proxy never adds it)',
    files: { 'site.conf': vhost('    ProxyPass / http://127.0.0.1:3000/') },
    expect: { count: 1, severity: 'high', file: 'site.conf', line: 4, fixLine: 'RequestHeader set X-Forwarded-Proto "https"' },
  },
  {
    name: 'valid: Apache TLS vhost sets it',
    files: { 'site.conf': vhost('    ProxyPass / http://127.0.0.1:3000/\n    RequestHeader set X-Forwarded-Proto "https"') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): plain :80 vhost needs no scheme header',
    files: { 'site.conf': '<VirtualHost *:80>\n    ProxyPass / http://127.0.0.1:3000/\n</VirtualHost>\n' },
    expect: { count: 0 },
  },
  {
    name: 'invalid: HAProxy ssl bind without a scheme rule',
    files: {
      'haproxy.cfg':
        'defaults\n  mode http\nfrontend fe\n  bind :443 ssl crt /x.pem\n  option forwardfor\n  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n',
    },
    expect: {
      count: 1,
      file: 'haproxy.cfg',
      line: 6,
      fixLine: 'http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]',
    },
  },
  {
    name: 'valid (trap): HAProxy rule only for TLS with if { ssl_fc }',
    files: {
      'haproxy.cfg':
        'defaults\n  mode http\nfrontend fe\n  bind :443 ssl crt /x.pem\n  http-request set-header X-Forwarded-Proto https if { ssl_fc }\n  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid (trap for a naive reader): a rule only for plain HTTP does not tell the TLS scheme',
    files: {
      'haproxy.cfg':
        'defaults\n  mode http\nfrontend fe\n  bind :443 ssl crt /x.pem\n  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }\n  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n',
    },
    expect: { count: 1 },
  },
  {
    name: 'valid (trap): Caddy sets X-Forwarded-Proto itself',
    files: { Caddyfile: 'app.example.com {\n\treverse_proxy 127.0.0.1:8000\n}\n' },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): HAProxy in tcp mode passes TLS through (no HTTP headers at all)',
    files: {
      'haproxy.cfg': 'frontend fe\n  bind :443 ssl crt /x.pem\n  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n',
    },
    expect: { count: 0 },
  },
  // nginx's servers and Kubernetes Ingresses are sites too (facts/proxy-configs.ts, facts/ingress-sites.ts).
  {
    name: 'invalid: an nginx TLS server proxies without X-Forwarded-Proto (nginx sends only Host and Connection)',
    files: { 'nginx.conf': NGINX('    location / {\n      proxy_pass http://127.0.0.1:8000;\n    }') },
    expect: { count: 1, severity: 'high', file: 'nginx.conf', line: 5, fixLine: 'proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'valid: the nginx location inherits X-Forwarded-Proto from the server level',
    files: {
      'nginx.conf': NGINX(
        '    proxy_set_header X-Forwarded-Proto $scheme;\n    location / {\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): an include outside the tree may set it: nothing is said',
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      include /etc/nginx/snippets/app-headers.conf;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): the location's own proxy_set_header drops the server's: nginx/proxy-header-inheritance is that cause",
    files: {
      'nginx.conf': NGINX(
        '    proxy_set_header X-Forwarded-Proto $scheme;\n    location / {\n      proxy_set_header Host $host;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): the scheme header is the client's own copy: proxy/client-header-copied is that cause",
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): ingress-nginx sets X-Forwarded-Proto itself on an Ingress with tls:',
    files: { 'ingress.yaml': INGRESS('') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
