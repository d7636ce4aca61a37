import { hstsOverHttp } from '../../../src/checks/scan/hsts-over-http.js';
import { caseTable, facts, page } from './fixtures.js';

const http = { url: 'http://app.test/', status: 200, chain: [], finalUrl: 'http://app.test/', hsts: 'max-age=31536000' };
caseTable(hstsOverHttp, [
  {
    name: 'HSTS on https only',
    facts: facts([page('https://app.test/', { hsts: 'max-age=31536000' })], { httpEntry: { ...http, hsts: undefined } }),
    count: 0,
  },
  {
    name: 'trap: sent on both (the http copy is harmless)',
    facts: facts([page('https://app.test/', { hsts: 'max-age=31536000' })], { httpEntry: http }),
    count: 0,
  },
  { name: 'sent only over http', facts: facts([page('https://app.test/')], { httpEntry: http }), count: 1 },
]);
