/**
 * sveltekit/address-header-wrong: adapter-node's getClientAddress() (handler.js, 1.x-5.x) with ADDRESS_HEADER set
 * reads that header from any peer: X-Forwarded-For counted XFF_DEPTH entries from the right (default 1), any other
 * header whole; it throws when the header is absent ("Address header was specified with ADDRESS_HEADER=... but is
 * absent from request") or holds fewer than XFF_DEPTH entries. Judged on the chain's simulation of a browser
 * request through the linted proxies (collectors/node `svelteKitAppEnd`): the header the proxy in front does not
 * send (every getClientAddress() call a 500), or a depth that picks a proxy's address instead of the browser's.
 * A header a client can forge on a port it reaches directly is chain/spoofable-backend's.
 */
import { items } from '../../chain/simulate.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { analysis, evidence, path } from '../chain/common.js';
import { evidenceOf, frameworksOf, NODE_REFS } from './common.js';

const meta: CheckMeta = {
  id: 'sveltekit/address-header-wrong',
  severity: 'medium',
  title: "SvelteKit adapter-node's ADDRESS_HEADER / XFF_DEPTH do not match the proxy in front",
  summary:
    "adapter-node reads the client address from ADDRESS_HEADER (X-Forwarded-For: XFF_DEPTH entries from the right): a header the proxy does not send makes getClientAddress() throw, a depth that does not match the proxies gives a proxy's address.",
  references: [NODE_REFS.svelteKitAdapterNode, 'https://github.com/sveltejs/kit/blob/main/packages/adapter-node/src/handler.js'],
};

export const sveltekitAddressHeaderWrong: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const fws = frameworksOf(facts, 'sveltekit').filter((f) => f.appEnd?.clientFromRight !== undefined);
    if (fws.length === 0) return out;
    const a = analysis(facts);
    for (const fw of fws) {
      const header = fw.appEnd?.clientHeaders[0] as string;
      const depth = fw.appEnd?.clientFromRight as number;
      const prefix = String(fw.settings.envPrefix?.value ?? '');
      const addressRef = fw.settings.ADDRESS_HEADER?.ref;
      const depthRef = fw.settings.XFF_DEPTH?.ref;
      const seen = new Set<string>();
      for (const r of a.verdict.routes) {
        const steps = r.trace.steps;
        const last = steps[steps.length - 1];
        if (!r.complete || last?.kind !== 'framework' || last.ref?.file !== fw.file) continue;
        const proxy = [...steps].reverse().find((s) => s.kind === 'proxy');
        const handed = steps[steps.length - 2]?.sent ?? {};
        const throws = last.notes.some((n) => n.endsWith('getClientAddress() throws'));
        let problem: string;
        let suggested: number | undefined;
        if (throws) {
          problem =
            handed[header] === undefined
              ? `${proxy ? proxy.label : 'the proxy'} sends no ${header}: every event.getClientAddress() throws ("Address header was specified with ${prefix}ADDRESS_HEADER=${header} but is absent from request", a 500)`
              : `${header} arrives with fewer than ${depth} entries: every event.getClientAddress() throws ("${prefix}XFF_DEPTH is ${depth}, but only found ..."), a 500`;
        } else if (!r.client.correct && last.client !== undefined && last.clientWhy?.startsWith(fw.appEnd?.name ?? '')) {
          const list = items(handed[header]);
          const at = list.lastIndexOf(r.client.expected);
          if (header === 'x-forwarded-for' && at >= 0) suggested = list.length - at;
          problem = `${header}${header === 'x-forwarded-for' ? ` entry ${depth} from the right` : ''} is ${last.client}, not the browser's address ${r.client.expected}${suggested ? ` (it is entry ${suggested} from the right: ${prefix}XFF_DEPTH=${suggested})` : ''}`;
        } else continue;
        const key = `${problem}|${proxy?.ref?.file}:${proxy?.ref?.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const ev: Evidence[] = [evidenceOf(addressRef ?? fw.appEnd?.ref, `${prefix}ADDRESS_HEADER=${header}`)];
        if (depthRef) ev.push(evidenceOf(depthRef, `${prefix}XFF_DEPTH=${depth}`));
        const pe = evidence(facts, proxy?.ref, `${proxy?.label ?? 'the proxy'}: what it sends the app`);
        if (pe) ev.push(pe);
        out.push(
          finding(meta, {
            message: `SvelteKit (${fw.file}) reads the client address from ${prefix}ADDRESS_HEADER=${header}${header === 'x-forwarded-for' ? ` at ${prefix}XFF_DEPTH=${depth}` : ''}, but on ${r.url} ${problem}.\nchain: ${path(r.trace)}`,
            evidence: ev,
            why: "adapter-node believes ADDRESS_HEADER from any peer and does no proxy walk: it throws when the header is missing, and for X-Forwarded-For takes exactly the XFF_DEPTH-th entry from the right, which is the browser's only when XFF_DEPTH equals the number of proxies that append to the header. Rate limits, logs and bans keyed on event.getClientAddress() then see a proxy, or fail.",
            fix: {
              description: suggested
                ? `Set ${prefix}XFF_DEPTH=${suggested} where the app is started (the number of proxies in front that append to X-Forwarded-For).`
                : `Make the proxy in front send ${header} (nginx: proxy_set_header ${header === 'x-forwarded-for' ? 'X-Forwarded-For $proxy_add_x_forwarded_for' : `${header} $remote_addr`};), or set ${prefix}ADDRESS_HEADER to a header it sends.`,
            },
            data: { framework: 'sveltekit', header, depth, route: r.id, ...(suggested ? { suggestedDepth: suggested } : {}) },
          }),
        );
      }
    }
    return out;
  },
};
