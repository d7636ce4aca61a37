/**
 * JVM app ends' own redirects to https and their launch (issue 14, "SSL redirect without a scheme source (loop)" for
 * every app end): Spring Security's `requiresChannel(... anyRequest().requiresSecure())` (collectors/jvm/security.ts),
 * a web.xml `<transport-guarantee>CONFIDENTIAL` over `/*` (collectors/jvm/webxml.ts), and a compose service's
 * `java -jar` as the Spring server's launch (collectors/jvm/launch.ts), so the nginx container's
 * `proxy_pass http://app:8080` reaches it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { javaJarArgs } from '../../src/collectors/jvm/launch.js';
import { readWebXml } from '../../src/collectors/jvm/webxml.js';
import { doctorFiles as doctor } from '../python/lint-files.js';

const nginx = (upstream: string, xfp: boolean) =>
  `server {\n  listen 443 ssl;\n  server_name example.com;\n  ssl_certificate /etc/ssl/c.pem;\n  ssl_certificate_key /etc/ssl/k.pem;\n  location / {\n    proxy_pass http://${upstream};\n    proxy_set_header Host $host;\n${xfp ? '    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n' : ''}  }\n}\n`;
const SEC = (stmt: string) =>
  `package x;\n\nimport org.springframework.context.annotation.Bean;\nimport org.springframework.security.config.annotation.web.builders.HttpSecurity;\nimport org.springframework.security.web.SecurityFilterChain;\n\npublic class Sec {\n  @Bean\n  SecurityFilterChain chain(HttpSecurity http) throws Exception {\n    ${stmt}\n    return http.build();\n  }\n}\n`;
const COMPOSE =
  'services:\n  app:\n    build: .\n    expose: ["8080"]\n  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n    volumes: ["./site.conf:/etc/nginx/conf.d/default.conf:ro"]\n';
const DOCKERFILE = (cmd: string) => `FROM eclipse-temurin:17\nCOPY target/app.jar /app.jar\nEXPOSE 8080\nCMD ${cmd}\n`;

const loops = (r: Awaited<ReturnType<typeof doctor>>) => r.all.findings.filter((f) => f.id === 'app/ssl-redirect-loop');

test('javaJarArgs: the jar and the command line server.port/server.address; no -jar is no launch', () => {
  assert.deepEqual(javaJarArgs(['java', '-jar', '/app.jar']), { jar: '/app.jar' });
  assert.deepEqual(javaJarArgs(['java', '-Xmx512m', '-Dserver.port=9090', '-jar', 'app.jar', '--server.address=127.0.0.1']), {
    jar: 'app.jar',
    port: '9090',
    address: '127.0.0.1',
  });
  assert.equal(javaJarArgs(['java', '-cp', 'app.jar', 'x.Main']), undefined);
  assert.equal(javaJarArgs(['javac', '-jar', 'x.jar']), undefined);
});

test('Spring Security requiresSecure behind nginx in compose: linked through `java -jar`, a loop without the scheme', async () => {
  const rows: Array<[string, string, string, boolean, number]> = [
    // invalid: every request must be secure, nginx sends no X-Forwarded-Proto
    ['lambda', 'http.requiresChannel(c -> c.anyRequest().requiresSecure());', 'native', false, 1],
    ['chained', 'http.requiresChannel().anyRequest().requiresSecure().and().csrf();', 'native', false, 1],
    // invalid: strategy none: Tomcat never believes the header nginx sends
    ['strategy none', 'http.requiresChannel(c -> c.anyRequest().requiresSecure());', 'none', true, 1],
    // valid: native strategy and nginx sends the scheme
    ['fed', 'http.requiresChannel(c -> c.anyRequest().requiresSecure());', 'native', true, 0],
    // traps: only some paths (not read as every request), a commented-out line, requiresInsecure
    ['some paths', 'http.requiresChannel(c -> c.requestMatchers("/login").requiresSecure());', 'native', false, 0],
    ['comment', '// http.requiresChannel(c -> c.anyRequest().requiresSecure());', 'native', false, 0],
    ['insecure', 'http.requiresChannel(c -> c.anyRequest().requiresInsecure());', 'native', false, 0],
  ];
  for (const [name, stmt, strategy, xfp, want] of rows) {
    const r = await doctor({
      'compose.yaml': COMPOSE,
      Dockerfile: DOCKERFILE('["java", "-jar", "/app.jar"]'),
      'site.conf': nginx('app:8080', xfp),
      'pom.xml': '<project><artifactId>x</artifactId></project>\n',
      'src/main/resources/application.properties': `server.forward-headers-strategy=${strategy}\n`,
      'src/main/java/x/Sec.java': SEC(stmt),
    });
    const server = r.facts.appServers.find((s) => s.name === 'spring-boot');
    assert.equal(server?.service, 'app', name);
    assert.equal(server?.binds[0]?.container, true, name);
    assert.deepEqual(
      r.inventory.missing.filter((n) => /app server command|could not find the app server/.test(n)),
      [],
      name,
    );
    const l = loops(r);
    assert.equal(l.length, want, `${name}: ${r.all.findings.map((f) => `${f.id} ${f.message}`).join('\n')}`);
    if (want) assert.equal(l[0]?.evidence[0]?.file.endsWith('Sec.java'), true, name);
  }
});

test('a command line server.port wins over application.properties (Spring Boot external config order)', async () => {
  const r = await doctor({
    'compose.yaml': COMPOSE,
    Dockerfile: DOCKERFILE('["java", "-jar", "/app.jar", "--server.port=9090"]'),
    'site.conf': nginx('app:9090', true),
    'src/main/resources/application.properties': 'server.port=8080\nserver.forward-headers-strategy=native\n',
  });
  const server = r.facts.appServers.find((s) => s.name === 'spring-boot');
  assert.equal(server?.binds[0]?.port, 9090);
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'https', JSON.stringify(r.analysis.verdict.routes[0]?.scheme));
});

const WEB = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">\n${body}</web-app>\n`;
const CONSTRAINT = (pattern: string, extra = '') =>
  `  <security-constraint>\n    <web-resource-collection>\n      <web-resource-name>all</web-resource-name>\n      <url-pattern>${pattern}</url-pattern>\n${extra}    </web-resource-collection>\n    <user-data-constraint>\n      <transport-guarantee>CONFIDENTIAL</transport-guarantee>\n    </user-data-constraint>\n  </security-constraint>\n`;

test('readWebXml: CONFIDENTIAL over every path, cookie-config secure; traps: a sub-path, a method list, a comment', () => {
  assert.equal(readWebXml('WEB-INF/web.xml', WEB(CONSTRAINT('/*')))?.confidential?.line, 9);
  assert.equal(readWebXml('WEB-INF/web.xml', WEB(CONSTRAINT('/')))?.confidential?.line, 9);
  assert.equal(readWebXml('WEB-INF/web.xml', WEB(CONSTRAINT('/admin/*')))?.confidential, undefined);
  assert.equal(
    readWebXml('WEB-INF/web.xml', WEB(CONSTRAINT('/*', '      <http-method>POST</http-method>\n')))?.confidential,
    undefined,
  );
  assert.equal(readWebXml('WEB-INF/web.xml', WEB(`<!--\n${CONSTRAINT('/*')}-->\n`))?.confidential, undefined);
  const cookie = (v: string) =>
    WEB(
      `  <session-config>\n    <cookie-config>\n      <http-only>true</http-only>\n      <secure>${v}</secure>\n    </cookie-config>\n  </session-config>\n`,
    );
  assert.deepEqual(readWebXml('WEB-INF/web.xml', cookie('true'))?.cookieSecure?.value, true);
  assert.equal(readWebXml('WEB-INF/web.xml', cookie('true'))?.cookieSecure?.ref.line, 6);
  assert.deepEqual(readWebXml('WEB-INF/web.xml', cookie('false'))?.cookieSecure?.value, false);
  assert.equal(readWebXml('pom.xml', '<project/>'), undefined);
});

const SERVER_XML = (valve: boolean) =>
  `<?xml version="1.0"?>\n<Server port="8005" shutdown="SHUTDOWN">\n  <Service name="Catalina">\n    <Connector port="8080" address="127.0.0.1" protocol="HTTP/1.1" redirectPort="443" />\n    <Engine name="Catalina" defaultHost="localhost">\n${valve ? '      <Valve className="org.apache.catalina.valves.RemoteIpValve" protocolHeader="X-Forwarded-Proto" />\n' : ''}    </Engine>\n  </Service>\n</Server>\n`;

test('Tomcat with web.xml CONFIDENTIAL on /* behind a TLS nginx: a loop unless RemoteIpValve gets the scheme', async () => {
  const rows: Array<[string, boolean, boolean, string, number]> = [
    // invalid: no valve (Tomcat never reads X-Forwarded-Proto), or no header sent
    ['no valve', false, true, '/*', 1],
    ['no header', true, false, '/*', 1],
    // valid: valve + header
    ['fed', true, true, '/*', 0],
    // trap: only /admin/* must be confidential: not every request loops (not read as the site's redirect)
    ['sub-path', false, true, '/admin/*', 0],
  ];
  for (const [name, valve, xfp, pattern, want] of rows) {
    const r = await doctor({
      'conf/server.xml': SERVER_XML(valve),
      'webapps/ROOT/WEB-INF/web.xml': WEB(CONSTRAINT(pattern)),
      'nginx/site.conf': nginx('127.0.0.1:8080', xfp),
    });
    assert.equal(loops(r).length, want, `${name}: ${r.all.findings.map((f) => `${f.id} ${f.message}`).join('\n')}`);
  }
});

test('Tomcat without a valve behind a TLS nginx: JSESSIONID never Secure, unless web.xml cookie-config says secure', async () => {
  const cookie = (v: string) =>
    WEB(`  <session-config>\n    <cookie-config>\n      <secure>${v}</secure>\n    </cookie-config>\n  </session-config>\n`);
  // invalid: Tomcat's rule (request.isSecure()) with nothing making the request secure; `false` is that same rule
  // valid: `<secure>true</secure>` makes it always Secure
  for (const [v, want] of [
    [undefined, 1],
    ['false', 1],
    ['true', 0],
  ] as const) {
    const r = await doctor({
      'conf/server.xml': SERVER_XML(false),
      ...(v ? { 'webapps/ROOT/WEB-INF/web.xml': cookie(v) } : {}),
      'nginx/site.conf': nginx('127.0.0.1:8080', true),
    });
    // Reported on its own or merged into the same root cause's headline ("same cause: app/secure-cookie-never-set").
    const f = r.all.findings.filter(
      (x) => x.id === 'app/secure-cookie-never-set' || /same cause: app\/secure-cookie-never-set/.test(x.message),
    );
    assert.equal(f.length, want, `${v}: ${r.all.findings.map((x) => `${x.id} ${x.message}`).join('\n')}`);
  }
});
