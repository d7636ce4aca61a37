// hostAllowed: Rails HostAuthorization's Permissions#allows? (actionpack 6.1.7), as the simulator uses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostAllowed } from '../../src/chain/host-allow.js';

const cases: Array<[string[], string, boolean, string]> = [
  [[], 'evil.example', true, 'an empty list lets every host through'],
  [['app.test'], 'app.test', true, 'exact'],
  [['app.test'], 'APP.test:8443', true, 'case-insensitive, any port'],
  [['app.test'], 'www.app.test', false, 'a plain entry is not a domain'],
  [['app.test'], 'app.test.evil.example', false, 'anchored at the end'],
  [['.app.test'], 'app.test', true, 'a leading dot: the domain itself'],
  [['.app.test'], 'www.app.test', true, 'a leading dot: one more label'],
  [['.app.test'], 'a.b.app.test', false, 'a leading dot: only one more label ([a-z0-9-]+\\.)?'],
  [['/.*\\.app\\.test/'], 'x.app.test', true, 'a regexp, anchored'],
  [['/.*\\.app\\.test/'], 'x.app.test.evil.example', false, 'a regexp is anchored at both ends'],
  [['ENV["APP_HOST"]'], 'evil.example', false, 'an entry we cannot evaluate admits no forged host'],
];

for (const [list, host, want, why] of cases)
  test(`hostAllowed(${JSON.stringify(list)}, ${host}) = ${want}: ${why}`, () => assert.equal(hostAllowed(list, host), want));
