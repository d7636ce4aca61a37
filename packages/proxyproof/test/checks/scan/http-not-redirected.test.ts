import { httpNotRedirected } from '../../../src/checks/scan/http-not-redirected.js';
import { caseTable, facts, page } from './fixtures.js';

const P = [page('https://app.test/')];
caseTable(httpNotRedirected, [
  { name: 'http entry not probed', facts: facts(P), count: 0 },
  {
    name: 'http redirected to https',
    facts: facts(P, {
      httpEntry: {
        url: 'http://app.test/',
        status: 301,
        chain: [{ url: 'http://app.test/', status: 301, location: 'https://app.test/' }],
        finalUrl: 'https://app.test/',
      },
    }),
    count: 0,
  },
  {
    name: 'trap: nothing listens on port 80 (no finding, just unknown)',
    facts: facts(P, { httpEntry: { url: 'http://app.test/', chain: [], error: 'ECONNREFUSED' } }),
    count: 0,
  },
  {
    name: 'http answers 200 with the site',
    facts: facts(P, { httpEntry: { url: 'http://app.test/', status: 200, chain: [], finalUrl: 'http://app.test/' } }),
    count: 1,
  },
  {
    name: 'http redirected, but to another http URL',
    facts: facts(P, {
      httpEntry: {
        url: 'http://app.test/',
        status: 200,
        chain: [{ url: 'http://app.test/', status: 301, location: 'http://www.app.test/' }],
        finalUrl: 'http://www.app.test/',
      },
    }),
    count: 1,
  },
]);
