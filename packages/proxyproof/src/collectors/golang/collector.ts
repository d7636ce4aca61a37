/**
 * Go app ends: Gin engines (`gin.New()` / `gin.Default()`), `SetTrustedProxies(...)`, `TrustedPlatform`,
 * `r.Run(":8080")`, and the handlers that key on `c.ClientIP()`. Read line by line.
 *
 * Default (gin-gonic/gin gin.go, since v1.7.7): an engine without SetTrustedProxies trusts 0.0.0.0/0 and
 * ::/0, so X-Forwarded-For / X-Real-IP from any peer decide c.ClientIP() (Gin prints a warning about it).
 * `SetTrustedProxies(nil)` trusts nobody.
 */
import type { CollectContext, Collector } from '../../model/collector.js';
import type { BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';

export const GIN_SOURCE = 'https://github.com/gin-gonic/gin/blob/v1.10.0/gin.go';

export const goCollector: Collector = {
  name: 'go',
  collect(ctx: CollectContext) {
    const engines: SourceRef[] = [];
    let trust: Valued<string[]> | undefined;
    let platform: SourceRef | undefined;
    const clientIpUses: SourceRef[] = [];
    const binds: BindAddress[] = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !f.display.endsWith('.go') || f.size > MAX_APP_SOURCE_BYTES) continue;
      const text = ctx.read(f).toString('utf8');
      if (!/gin-gonic\/gin/.test(text)) continue;
      ctx.claimed.add(f.abs);
      const raw = text.split(/\r?\n/);
      const code = codeLines(text, 'c');
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (/\bgin\.(New|Default)\s*\(/.test(l)) engines.push(ref);
        const t = /\.SetTrustedProxies\s*\((.*)\)/.exec(l);
        if (t) {
          const arg = (t[1] as string).trim();
          trust =
            arg === 'nil'
              ? lit([] as string[], ref)
              : quotedStrings(arg).length > 0
                ? lit(quotedStrings(arg), ref)
                : lit([] as string[], ref, 'unknown', { note: arg });
        }
        if (/\.TrustedPlatform\s*=/.test(l)) platform = ref;
        if (/\.ClientIP\s*\(\s*\)/.test(l) && clientIpUses.length < 5) clientIpUses.push(ref);
        const run = /\.Run\s*\(\s*"([^"]*):(\d+)"/.exec(l);
        if (run) {
          const host = run[1] || '0.0.0.0';
          binds.push({
            kind: 'tcp',
            host,
            port: Number(run[2]),
            exposure: host === '0.0.0.0' ? 'all-interfaces' : 'specific',
            ref,
          });
        }
      });
    }
    if (engines.length === 0) return;
    const anchor = engines[0] as SourceRef;
    const t = trust ?? lit(['*'], anchor, 'default', { note: 'no SetTrustedProxies: Gin trusts 0.0.0.0/0 and ::/0' });
    const fw: FrameworkFacts = {
      kind: 'gin',
      file: anchor.file,
      usesServerScheme: false,
      trustProxy: t,
      settings: {},
      appEnd: {
        name: 'Gin',
        ref: anchor,
        schemeHeaders: [],
        clientHeaders: ['x-forwarded-for', 'x-real-ip'],
        trustScheme: lit([] as string[], anchor, 'default'),
        trustClient: t,
        binds,
        defaultsFrom: [GIN_SOURCE],
        notes: clientIpUses.map((r) => `c.ClientIP() used at ${r.file}:${r.line}`),
      },
    };
    if (platform) fw.settings.TrustedPlatform = lit(true, platform);
    fw.settings.clientIpUses = lit(clientIpUses, clientIpUses[0] ?? anchor, 'computed');
    ctx.facts.frameworks.push(fw);
  },
};
