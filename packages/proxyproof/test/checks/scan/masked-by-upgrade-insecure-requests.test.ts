import assert from 'node:assert/strict';
import { maskedByUpgradeInsecureRequests } from '../../../src/checks/scan/masked-by-upgrade-insecure-requests.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
const UIR = ["default-src 'self'; upgrade-insecure-requests"];
caseTable(maskedByUpgradeInsecureRequests, [
  {
    name: 'CSP without the directive',
    facts: facts([page(A, { csp: ["default-src 'self'"], insecure: [ref('http://app.test/s.js', 'blocked', 'script')] })]),
    count: 0,
  },
  { name: 'UIR and a clean page', facts: facts([page(A, { csp: UIR })]), count: 0 },
  {
    name: 'trap: only navigation links on http (UIR does not hide them)',
    facts: facts([page(A, { csp: UIR, insecure: [ref('http://x.example/', 'navigation', 'link')] })]),
    count: 0,
  },
  {
    name: 'trap: a directive name inside another directive value',
    facts: facts([page(A, { csp: ['report-uri /upgrade-insecure-requests'], insecure: [] })]),
    count: 0,
  },
  {
    name: 'UIR hides backend-generated http:// URLs',
    facts: facts([
      page(A, {
        csp: UIR,
        canonical: 'http://app.test/',
        linkStats: { sameHostHttp: 3, sameHostHttps: 0, relative: 0 },
        insecure: [ref('http://app.test/s.css', 'blocked', 'stylesheet'), ref('http://app.test/a.png', 'upgraded', 'img')],
      }),
    ]),
    count: 1,
    expect: ([f]) => {
      assert.equal(f!.data?.cause, 'backend-generated');
      assert.match(f!.message, /hides 2 http:\/\/ URL/);
    },
  },
  {
    name: 'UIR in a <meta> CSP (collected into csp)',
    facts: facts([
      page(A, { csp: ['upgrade-insecure-requests'], insecure: [ref('http://cdn.example/a.js', 'blocked', 'script')] }),
    ]),
    count: 1,
  },
]);
