/**
 * GET / from a real server on 127.0.0.1 with Host app.test and the given headers; the JSON body it answers (the
 * apps under test echo what their framework believes: protocol, host, client address). Bounded by a 5 s timeout.
 */
import http from 'node:http';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';

export function getJson(port: number, headers: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((res, rej) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/', headers: { host: 'app.test', ...headers }, timeout: REQUEST_SAFETY_TIMEOUT_MS },
      (r) => {
        let b = '';
        r.on('data', (d) => {
          b += d;
        });
        r.on('end', () => {
          try {
            res(JSON.parse(b));
          } catch (e) {
            rej(new Error(`bad body ${b}: ${e}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}
