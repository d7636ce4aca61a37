import { cookieSameSiteNoneInsecure } from '../../../src/checks/scan/cookie-samesite-none-insecure.js';
import { parseSetCookie } from '../../../src/scan/cookies.js';
import { caseTable, facts, page } from './fixtures.js';

const A = 'https://app.test/';
const c = (line: string) => parseSetCookie(line, A)!;
caseTable(cookieSameSiteNoneInsecure, [
  { name: 'SameSite=None; Secure', facts: facts([page(A, { cookies: [c('x=1; SameSite=None; Secure')] })]), count: 0 },
  {
    name: 'trap: SameSite=Lax without Secure is another check',
    facts: facts([page(A, { cookies: [c('x=1; SameSite=Lax')] })]),
    count: 0,
  },
  { name: 'SameSite=None without Secure', facts: facts([page(A, { cookies: [c('x=1; SameSite=None')] })]), count: 1 },
  { name: 'case-insensitive attribute', facts: facts([page(A, { cookies: [c('x=1; samesite=none; path=/')] })]), count: 1 },
]);
