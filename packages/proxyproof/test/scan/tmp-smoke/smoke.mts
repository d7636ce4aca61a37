import { makeCerts, startHttps, startHttp, html, resolveAll } from '../servers.js';
import { runScan } from '../../../src/scan/engine.js';
import { textRenderer } from '../../../src/render/text.js';
const certs = makeCerts();
let P = 0;
const plain = await startHttp((q, r) => { r.end('x'); });
const s = await startHttps((q, r) => {
  if (q.url === '/') return html(r, `<html><head><link rel=canonical href="http://app.test:${P}/"><link rel=stylesheet href="/s.css"></head><body><img src="http://app.test:${P}/a.png"><script src="http://app.test:${P}/x.js"></script><a href="http://app.test:${P}/b">b</a><form action="http://app.test:${P}/post"></form></body></html>`, {'set-cookie': ['sessionid=1; Path=/', '__Secure-x=1']});
  if (q.url === '/s.css') { r.writeHead(200, {'content-type':'text/css'}); return r.end(`body{background:url(http://cdn.test:${plain.port}/bg.png)} @import "http://cdn.test/imp.css";`); }
  if (q.url === '/b') { r.writeHead(301, {location: `http://app.test:${plain.port}/b`}); return r.end(); }
  if (q.url === '/loop') { r.writeHead(301, {location: `https://app.test:${P}/loop`}); return r.end(); }
  html(r, 'hi <a href="/loop">l</a>');
}, certs);
P = s.port;
for (const engine of ['static', 'browser'] as const) {
  const t0 = Date.now();
  const { report, facts } = await runScan({ entry: `https://app.test:${P}/`, engine, http: { resolve: resolveAll(P, plain.port), caCert: certs.caFile }, crawl: { maxPages: 20, depth: 3, concurrency: 4 }, totalTimeoutMs: 30000, browser: { ignoreHttpsErrors: true } });
  console.log(engine, Date.now() - t0, 'ms');
  console.log(textRenderer.render(report, { color: false, quiet: false }));
}
await s.close(); await plain.close(); certs.cleanup();
