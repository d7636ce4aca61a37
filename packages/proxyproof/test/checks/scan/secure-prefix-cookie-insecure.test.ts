import { securePrefixCookieInsecure } from '../../../src/checks/scan/secure-prefix-cookie-insecure.js';
import { parseSetCookie } from '../../../src/scan/cookies.js';
import { caseTable, facts, page } from './fixtures.js';

const A = 'https://app.test/';
const c = (line: string) => parseSetCookie(line, A)!;
caseTable(securePrefixCookieInsecure, [
  { name: '__Secure- with Secure', facts: facts([page(A, { cookies: [c('__Secure-id=1; Secure; Path=/')] })]), count: 0 },
  { name: 'trap: a name merely containing Secure', facts: facts([page(A, { cookies: [c('mySecure-id=1')] })]), count: 0 },
  { name: '__Secure- without Secure', facts: facts([page(A, { cookies: [c('__Secure-id=1; Path=/')] })]), count: 1 },
  { name: '__Host- without Secure', facts: facts([page(A, { cookies: [c('__Host-sid=1; Path=/')] })]), count: 1 },
]);
