/**
 * Synapse (Matrix homeserver) `homeserver.yaml`: HTTP listeners with `x_forwarded: true` take the client
 * address from the LEFT-most X-Forwarded-For entry (synapse/http/site.py `XForwardedForRequest`:
 * `headers[0].split(b",")[0].strip()`), so a proxy that appends to the client's own header lets the client
 * choose its address. Read, not claimed.
 */
import type { Collector } from '../../model/collector.js';
import type { ForwardedForReader } from '../../model/proxy.js';
import { isSynapseConfig } from '../claims.js';
import { readText } from '../proxy/common.js';
import { at, obj, yamlDocs } from '../proxy/yaml.js';

const SOURCE = 'https://github.com/element-hq/synapse/blob/develop/synapse/http/site.py (XForwardedForRequest)';

export const synapseCollector: Collector = {
  name: 'synapse',
  collect(ctx) {
    for (const f of ctx.files) {
      if (!isSynapseConfig(f)) continue;
      const src = readText(ctx, f);
      if (!src || !/x_forwarded/.test(src)) continue;
      const doc = yamlDocs(src)?.[0];
      const listeners = obj(doc?.value)?.listeners;
      if (!doc || !Array.isArray(listeners)) continue;
      const out: ForwardedForReader[] = [];
      listeners.forEach((l, i) => {
        const o = obj(l);
        if (o?.x_forwarded !== true || (o.type !== undefined && o.type !== 'http')) return;
        const port = Number(o.port);
        if (!Number.isInteger(port)) return;
        const hosts = Array.isArray(o.bind_addresses) ? o.bind_addresses.map(String) : [];
        out.push({
          app: 'Synapse',
          port,
          hosts,
          entry: 'leftmost',
          ref: { file: f.display, line: at(doc, ['listeners', i, 'x_forwarded'])?.keyLine ?? 1, snippet: 'x_forwarded: true' },
          source: SOURCE,
        });
      });
      if (out.length) {
        ctx.facts.forwardedForReaders ??= [];
        ctx.facts.forwardedForReaders.push(...out);
      }
    }
  },
};
