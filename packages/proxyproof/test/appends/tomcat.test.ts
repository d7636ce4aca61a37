// Tomcat server.xml reader: Connectors (comments blanked, AJP skipped, templated ports kept unknown) and the
// RemoteIpValve's trust list, checked against Debian bookworm's Tomcat 10.1.60 defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOMCAT_INTERNAL_PROXIES } from '../../src/collectors/jvm/defaults.js';
import { internalProxiesToList, isTomcatServerXml, readServerXml } from '../../src/collectors/jvm/tomcat.js';

const XML = `<?xml version="1.0"?>
<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <!--
    <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol" SSLEnabled="true" scheme="https" />
    -->
    <Connector port="{{ tomcat_port }}" scheme="http" protocol="HTTP/1.1"
               connectionTimeout="20000" />
    <Connector port="8081" address="127.0.0.1" protocol="HTTP/1.1" />
    <Connector protocol="AJP/1.3" port="8009" />
    <Engine name="Catalina" defaultHost="localhost">
      <Valve className="org.apache.catalina.valves.RemoteIpValve"
             protocolHeader="X-Forwarded-Proto"
             internalProxies="192\\.168\\.1\\.\\d{1,3}|10\\.0\\.0\\.7" />
    </Engine>
  </Service>
</Server>
`;

test('tomcat: server.xml is recognised by name (templates too) and content', () => {
  assert.ok(isTomcatServerXml('roles/tomcat/templates/server.xml', XML));
  assert.ok(isTomcatServerXml('templates/server.xml.j2', XML));
  assert.ok(!isTomcatServerXml('pom.xml', XML));
  assert.ok(!isTomcatServerXml('conf/server.xml', '<settings><server>x</server></settings>'));
});

test('tomcat: connectors outside comments, AJP skipped, templated port unknown, loopback address kept', () => {
  const r = readServerXml('conf/server.xml', XML);
  assert.ok(r?.server);
  const binds = r.server.binds;
  assert.equal(binds.length, 2);
  assert.equal(binds[0]?.port, undefined);
  assert.equal(binds[0]?.ref?.line, 7);
  assert.equal(binds[0]?.exposure, 'all-interfaces');
  assert.deepEqual([binds[1]?.host, binds[1]?.port, binds[1]?.exposure], ['127.0.0.1', 8081, 'loopback']);
  assert.equal(r.framework.appEnd?.assumeHttps, undefined, 'the commented-out https connector is not read');
});

test('tomcat: the valve trust list from internalProxies, headers from the valve', () => {
  const r = readServerXml('conf/server.xml', XML);
  const a = r?.framework.appEnd;
  assert.deepEqual(a?.trustClient.value, ['192.168.1.0/24', '10.0.0.7']);
  assert.equal(a?.trustClient.origin, 'literal');
  assert.deepEqual(a?.schemeHeaders, ['x-forwarded-proto']);
  assert.deepEqual(a?.clientHeaders, ['x-forwarded-for']);
  assert.equal(a?.ref.line, 12);
});

test('tomcat: valve without attributes uses the Debian 10.1.60 defaults; no valve reads nothing', () => {
  const plain = XML.replace(/internalProxies="[^"]*"/, '').replace(/protocolHeader="[^"]*"/, '');
  const a = readServerXml('conf/server.xml', plain)?.framework.appEnd;
  assert.deepEqual(a?.trustScheme.value, TOMCAT_INTERNAL_PROXIES);
  assert.equal(a?.trustScheme.origin, 'default');
  assert.deepEqual(a?.schemeHeaders, ['x-forwarded-proto']);
  const none = readServerXml('conf/server.xml', XML.replace(/<Valve[\s\S]*?\/>/, ''))?.framework.appEnd;
  assert.deepEqual(none?.schemeHeaders, []);
  assert.deepEqual(none?.clientHeaders, []);
  assert.equal(none?.name, 'Tomcat');
});

test('tomcat: internalProxies regular expressions to trust entries', () => {
  // Tomcat 10.1.60's own default regex (Debian libtomcat10-java, RemoteIpValve.class).
  const debian =
    '10\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|192\\.168\\.\\d{1,3}\\.\\d{1,3}|169\\.254\\.\\d{1,3}\\.\\d{1,3}|127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}';
  assert.deepEqual(internalProxiesToList(debian), ['10.0.0.0/8', '192.168.0.0/16', '169.254.0.0/16', '127.0.0.0/8']);
  assert.deepEqual(internalProxiesToList('.*'), ['*']);
  assert.deepEqual(internalProxiesToList('172\\.1[6-9]{1}\\.\\d{1,3}\\.\\d{1,3}'), ['re:172\\.1[6-9]{1}\\.\\d{1,3}\\.\\d{1,3}']);
});

test('tomcat: a Connector with scheme="https" makes every request https (assume-https)', () => {
  const r = readServerXml('conf/server.xml', XML.replace('scheme="http"', 'scheme="https" secure="true"'));
  assert.equal(r?.framework.appEnd?.assumeHttps?.value, true);
});
