// Tomcat (server.xml: HTTP Connector + RemoteIpValve) as the app hop of the chain: "lost at hop N" for Tomcat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsFor } from '../checks/chain/cases.js';

const serverXml = (
  valve: string,
  connector = '<Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000" redirectPort="8443" />',
) => `<?xml version="1.0" encoding="UTF-8"?>
<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <!-- <Connector port="9090" protocol="HTTP/1.1" scheme="https" /> -->
    ${connector}
    <Connector protocol="AJP/1.3" address="::1" port="8009" redirectPort="8443" />
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="true">
        ${valve}
      </Host>
    </Engine>
  </Service>
</Server>
`;

const nginx = (headers: string[]) => `server {
    listen 443 ssl;
    server_name app.example;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;
    location / {
        ${headers.join('\n        ')}
        proxy_pass http://127.0.0.1:8080;
    }
}
`;

const VALVE = '<Valve className="org.apache.catalina.valves.RemoteIpValve" />';

test('chain: nginx -> Tomcat with RemoteIpValve, no X-Forwarded-Proto: lost at hop 1 (nginx)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'tomcat no xfp',
    files: { 'conf/server.xml': serverXml(VALVE), 'nginx/site.conf': nginx(['proxy_set_header Host $host;']) },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /reaches Tomcat \(RemoteIpValve\) as http: lost at hop 1/);
});

test('chain: nginx -> Tomcat with the valve and X-Forwarded-Proto: https (default internalProxies trust 127.0.0.1)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'tomcat ok',
    files: {
      'conf/server.xml': serverXml(VALVE),
      'nginx/site.conf': nginx(['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain: nginx sends X-Forwarded-Proto but Tomcat has no RemoteIpValve: lost at hop 3 (Tomcat)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'tomcat no valve',
    files: {
      'conf/server.xml': serverXml(''),
      'nginx/site.conf': nginx(['proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /lost at hop 3 \(Tomcat\) because Tomcat reads no forwarded scheme header/);
  assert.ok(f[0]?.evidence.some((e) => e.file.endsWith('conf/server.xml')));
});

test('chain: internalProxies that leave out the proxy: lost at Tomcat; a Connector with scheme="https" needs no header', async () => {
  const narrow = '<Valve className="org.apache.catalina.valves.RemoteIpValve" internalProxies="10\\.0\\.0\\.5" />';
  const lost = await findingsFor('chain/scheme-lost', {
    name: 'narrow internalProxies',
    files: {
      'conf/server.xml': serverXml(narrow),
      'nginx/site.conf': nginx(['proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: 1,
  });
  assert.match(
    lost[0]?.message ?? '',
    /lost at hop 3 \(Tomcat \(RemoteIpValve\)\) because .* ignores x-forwarded-proto from 127\.0\.0\.1: trusts 10\.0\.0\.5/,
  );
  const ok = await findingsFor('chain/scheme-lost', {
    name: 'connector scheme https',
    files: {
      'conf/server.xml': serverXml(
        '',
        '<Connector port="8080" protocol="HTTP/1.1" scheme="https" secure="true" proxyPort="443" />',
      ),
      'nginx/site.conf': nginx(['proxy_set_header Host $host;']),
    },
    expect: 0,
  });
  assert.equal(ok.length, 0);
});
