/**
 * Apache Airflow's webserver (a Flask app under the gunicorn that `airflow webserver` starts): airflow.cfg, or
 * its text embedded in a ConfigMap/Helm template, read as INI lines (`[webserver]`, `key = value`), plus the
 * `AIRFLOW__WEBSERVER__ENABLE_PROXY_FIX` / `AIRFLOW__FAB__ENABLE_PROXY_FIX` overrides anywhere in the tree.
 * What decides the scheme: `enable_proxy_fix` (default False) wraps the app in Werkzeug's ProxyFix with
 * x_for/x_proto/x_host/x_port/x_prefix 1 (airflow/www/extensions/init_wsgi_middlewares.py, 2.x; `[fab]` in 3.x).
 * The gunicorn it starts binds `web_server_host:web_server_port` and keeps gunicorn's forwarded_allow_ips default.
 */
import type { Collector } from '../../model/collector.js';
import type { FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { mayBeAirflowFile, WEBSERVER_SECTION } from '../claims.js';

const OVERRIDE = /AIRFLOW__(WEBSERVER|FAB)__ENABLE_PROXY_FIX/;

interface Section {
  name: string;
  ref: SourceRef;
  keys: Map<string, { value: string; ref: SourceRef }>;
}

function sections(file: string, lines: string[]): Section[] {
  const out: Section[] = [];
  let cur: Section | undefined;
  let indent = -1;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const h = /^(\s*)\[([A-Za-z_][\w.-]*)\]\s*$/.exec(line);
    const ref = (): SourceRef => ({ file, line: i + 1, snippet: line.trim() });
    if (h) {
      cur = { name: (h[2] as string).toLowerCase(), ref: ref(), keys: new Map() };
      indent = (h[1] as string).length;
      out.push(cur);
      return;
    }
    if (!cur) return;
    const lead = /^\s*/.exec(line)?.[0].length ?? 0;
    // A line less indented than the section header ends the embedded block (YAML around an airflow.cfg).
    if (line.trim() !== '' && lead < indent) {
      cur = undefined;
      return;
    }
    const kv = /^\s*([A-Za-z_][\w]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && !/^\s*[#;]/.test(line)) cur.keys.set((kv[1] as string).toLowerCase(), { value: kv[2] as string, ref: ref() });
  });
  return out;
}

const truthy = (v: string) => /^(true|t|1|yes|on)$/i.test(v.replace(/^["']|["']$/g, '').trim());

export const airflowCollector: Collector = {
  name: 'airflow',
  async collect(ctx) {
    const found: FrameworkFacts[] = [];
    const overrides: Array<{ value: string; ref: SourceRef }> = [];
    for (const f of ctx.files) {
      if (!mayBeAirflowFile(f)) continue;
      const text = ctx.read(f).toString('utf8');
      const hasSection =
        WEBSERVER_SECTION.test(text) && /^\s*(web_server_port|web_server_host|dags_folder|base_url)\s*=/m.test(text);
      if (OVERRIDE.test(text)) {
        const lines = text.split(/\r?\n/);
        lines.forEach((l, i) => {
          if (!OVERRIDE.test(l)) return;
          // `AIRFLOW__...=True`, `AIRFLOW__...: "True"`, or `- name: AIRFLOW__...` with `value:` on the next line.
          const inline = /ENABLE_PROXY_FIX["']?\s*[=:]\s*["']?([^"'\s#]+)/.exec(l);
          const next = /^\s*value:\s*["']?([^"'\s#]+)/.exec(lines[i + 1] ?? '');
          const value = inline?.[1] ?? next?.[1];
          if (value !== undefined) overrides.push({ value, ref: { file: f.display, line: i + 1, snippet: l.trim() } });
        });
      }
      if (!hasSection) continue;
      const secs = sections(f.display, text.split(/\r?\n/));
      const web = secs.find((s) => s.name === 'webserver');
      if (!web) continue;
      const fab = secs.find((s) => s.name === 'fab');
      const settings: Record<string, Valued<unknown>> = {};
      const written = fab?.keys.get('enable_proxy_fix') ?? web.keys.get('enable_proxy_fix');
      settings.enable_proxy_fix = written
        ? { value: truthy(written.value), origin: 'literal', ref: written.ref }
        : {
            value: false,
            origin: 'default',
            ref: web.ref,
            note: 'not in [webserver] (Airflow 1.10/2.x) nor [fab] (3.x): default False',
          };
      for (const k of ['web_server_host', 'web_server_port', 'base_url', 'web_server_ssl_cert']) {
        const v = web.keys.get(k);
        if (v) settings[k] = { value: v.value, origin: 'literal', ref: v.ref };
      }
      const fw: FrameworkFacts = {
        kind: 'airflow',
        file: f.display,
        module: 'airflow webserver',
        usesServerScheme: true,
        settings,
      };

      found.push(fw);
    }
    if (found.length === 0) return;
    const override = overrides[0];
    // Loaded only when an airflow webserver was found (it brings the YAML parser; issue 10: start-up).
    const { readKube } = await import('../node/kube.js');
    const edges = readKube(ctx).edges;
    for (const fw of found) {
      if (override)
        fw.settings.enable_proxy_fix = {
          value: truthy(override.value),
          origin: 'env',
          envVar: /FAB/.test(override.ref.snippet ?? '')
            ? 'AIRFLOW__FAB__ENABLE_PROXY_FIX'
            : 'AIRFLOW__WEBSERVER__ENABLE_PROXY_FIX',
          ref: override.ref,
        };
      const edge = edges[0];
      if (edge) {
        fw.settings['front (kubernetes)'] = { value: edge.what, origin: 'literal', ref: edge.ref };
        if (edge.tlsRef) fw.settings['front (kubernetes) tls'] = { value: 'TLS ends here', origin: 'literal', ref: edge.tlsRef };
      }
      ctx.facts.frameworks.push(fw);
    }
  },
};
