/**
 * Pure-Python WSGI servers started from code: waitress (`from waitress import serve`, `serve(app, host=...,
 * port=..., trusted_proxy=..., trusted_proxy_headers=...)`, or `serve` handed to a thread with a kwargs dict).
 * Line-based over the Python source (the Python collector's evaluator targets settings modules, not calls
 * spread over threads and dicts); only files that mention waitress are read.
 *
 * Waitress (docs "Using Behind a Reverse Proxy", waitress/adjustments.py) ignores every X-Forwarded-* header
 * unless `trusted_proxy` names the peer ('*' for any) and `trusted_proxy_headers` lists the headers.
 */
import type { CollectContext, Collector } from '../../model/collector.js';
import type { AppServerFacts, BindAddress, SourceRef } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';

export const WAITRESS_DOCS = 'https://docs.pylonsproject.org/projects/waitress/en/stable/reverse-proxy.html';

export const pywsgiCollector: Collector = {
  name: 'pywsgi',
  collect(ctx: CollectContext) {
    for (const f of ctx.files) {
      if (!f.display.endsWith('.py') || f.size > MAX_APP_SOURCE_BYTES) continue;
      const text = ctx.read(f).toString('utf8');
      if (!/\bwaitress\b/.test(text)) continue;
      const raw = text.split(/\r?\n/);
      const code = codeLines(text, 'hash');
      let anchor: SourceRef | undefined;
      let trust: string[] | undefined;
      let trustRef: SourceRef | undefined;
      let headers: string[] = [];
      let host: string | undefined;
      let port: number | undefined;
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (/^\s*from\s+waitress\s+import\s+.*\bserve\b|^\s*import\s+waitress\b/.test(l)) anchor ??= ref;
        const call = /\b(?:waitress\.)?serve\s*\((.*)$/.exec(l);
        if (call && !/def\s+serve/.test(l)) anchor ??= ref;
        const tp = /['"]?trusted_proxy['"]?\s*[:=]\s*(.+)$/.exec(l);
        if (tp) {
          trust = quotedStrings(tp[1] as string).slice(0, 1);
          if (trust.length === 0) trust = ['(computed)'];
          trustRef = ref;
        }
        const th = /['"]?trusted_proxy_headers['"]?\s*[:=]\s*(.+)$/.exec(l);
        if (th) headers = quotedStrings(th[1] as string).flatMap((s) => s.split(/\s+/));
        const h = /['"]?host['"]?\s*[:=]\s*['"]([^'"]+)['"]/.exec(l);
        if (h && (call || /waitress/.test(code.slice(Math.max(0, i - 8), i + 1).join('\n')))) host = h[1];
        const p = /['"]?port['"]?\s*[:=]\s*(\d+)\b/.exec(l);
        if (p && (call || /waitress/.test(code.slice(Math.max(0, i - 8), i + 1).join('\n')))) port = Number(p[1]);
      });
      if (!anchor) continue;
      // waitress's default listen is 0.0.0.0:8080 (adjustments.py); an expression host stays unknown.
      const b: BindAddress = {
        kind: 'tcp',
        host: host ?? '0.0.0.0',
        port,
        exposure: (host ?? '0.0.0.0') === '0.0.0.0' ? 'all-interfaces' : /^127\./.test(host ?? '') ? 'loopback' : 'specific',
        ref: anchor,
      };
      const server: AppServerFacts = {
        kind: 'other',
        name: 'waitress',
        launch: { ...anchor, via: 'code' },
        binds: [b],
        proxyHeaders: lit(trust !== undefined && headers.length > 0, trustRef ?? anchor, trust ? 'literal' : 'default'),
        trustedProxies: lit(trust ?? [], trustRef ?? anchor, trust ? 'literal' : 'default'),
        schemeHeaders: lit<Record<string, string>>(
          headers.some((x) => x.toLowerCase() === 'x-forwarded-proto') ? { 'X-FORWARDED-PROTO': 'https' } : {},
          trustRef ?? anchor,
          trust ? 'literal' : 'default',
        ),
        configFiles: [],
        env: {},
        notes: [
          trust
            ? `trusted_proxy ${trust.join(',')} headers ${headers.join(' ') || '(none)'}`
            : 'no trusted_proxy: waitress ignores X-Forwarded-*',
        ],
      };
      ctx.facts.appServers.push(server);
    }
  },
};
