/**
 * airflow/proxy-fix-disabled: Airflow's webserver behind a TLS-ending ingress/proxy with `enable_proxy_fix` off
 * (the default). The gunicorn `airflow webserver` starts keeps forwarded_allow_ips = 127.0.0.1, and the ingress
 * connects from another pod, so nothing turns X-Forwarded-Proto into the request scheme: `url_for(_external=True)`
 * gives http:// OAuth/OIDC redirect_uri values and post-login redirects. PREFERRED_URL_SCHEME does not help: Flask
 * uses it only outside a request.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, FrameworkFacts } from '../../model/facts.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import { ev, frontEvidence } from '../app/common.js';

export const AIRFLOW_REFS = {
  middleware: 'https://github.com/apache/airflow/blob/2.10.0/airflow/www/extensions/init_wsgi_middlewares.py',
  config: 'https://airflow.apache.org/docs/apache-airflow/2.10.0/configurations-ref.html#enable-proxy-fix',
  proxyFix: 'https://werkzeug.palletsprojects.com/en/stable/middleware/proxy_fix/',
  flaskPreferred: 'https://flask.palletsprojects.com/en/stable/config/#PREFERRED_URL_SCHEME',
};

const meta: CheckMeta = {
  id: 'airflow/proxy-fix-disabled',
  severity: 'high',
  title: "Airflow's webserver ignores the proxy's X-Forwarded-Proto (enable_proxy_fix off)",
  summary:
    'Behind a TLS-ending ingress or proxy, Airflow without enable_proxy_fix builds http:// redirect_uri values and redirects: OAuth/OIDC login fails or leaves https.',
  references: [AIRFLOW_REFS.middleware, AIRFLOW_REFS.config, AIRFLOW_REFS.proxyFix, AIRFLOW_REFS.flaskPreferred],
};

function fixFor(facts: Facts, fw: FrameworkFacts): Fix {
  const s = fw.settings.enable_proxy_fix;
  const description =
    'Enable ProxyFix in the webserver (Airflow 3: the [fab] section, or AIRFLOW__FAB__ENABLE_PROXY_FIX); it trusts one hop of X-Forwarded-For/-Proto/-Host/-Port/-Prefix (proxy_fix_x_* to change), so only the ingress/proxy must reach the webserver.';
  const ref = s?.ref;
  if (!ref || s?.origin === 'env') return { description, ...(ref ? { file: ref.file, line: ref.line } : {}) };
  const text = facts.sources.get(ref.file)?.[ref.line - 1] ?? '';
  if (s?.origin === 'literal') {
    const m = /^(\s*enable_proxy_fix\s*=\s*)\S+(.*)$/i.exec(text);
    if (m) return { description, file: ref.file, line: ref.line, placement: 'replace', lines: [`${m[1]}True${m[2]}`] };
    return { description, file: ref.file, line: ref.line };
  }
  const indent = /^\s*/.exec(text)?.[0] ?? '';
  return { description, file: ref.file, line: ref.line, placement: 'after', lines: [`${indent}enable_proxy_fix = True`] };
}

export const airflowProxyFixDisabled: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of facts.frameworks) {
      if (fw.kind !== 'airflow') continue;
      const s = fw.settings.enable_proxy_fix;
      if (!s || s.value === true) continue;
      if (String(fw.settings.web_server_ssl_cert?.value ?? '').trim() !== '') continue; // TLS ends in gunicorn itself
      const edge = fw.settings['front (kubernetes)'];
      const tls = fw.settings['front (kubernetes) tls'];
      const fronts: Evidence[] = [];
      if (edge?.ref) fronts.push(ev(tls?.ref ?? edge.ref, String(edge.value)));
      if (tls?.ref && edge?.ref) fronts.push(ev(edge.ref, 'the ingress routes to the webserver here'));
      if (fronts.length === 0) fronts.push(...frontEvidence(facts, fw).slice(0, 2));
      const baseUrl = fw.settings.base_url;
      const httpsBase = /^\s*https:\/\//.test(String(baseUrl?.value ?? ''));
      if (fronts.length === 0 && !httpsBase) continue;
      const host = fw.settings.web_server_host;
      const evidence: Evidence[] = [
        ev(
          s.ref,
          s.origin === 'default'
            ? 'no enable_proxy_fix in [webserver]: ProxyFix is off'
            : `enable_proxy_fix = ${String(s.value)}`,
        ),
      ];
      if (host?.ref)
        evidence.push(
          ev(
            host.ref,
            `the gunicorn that airflow webserver starts listens on ${String(host.value)} and trusts X-Forwarded-Proto only from 127.0.0.1 (forwarded_allow_ips default); the ingress connects from another pod`,
          ),
        );
      evidence.push(...fronts);
      if (httpsBase && baseUrl?.ref) evidence.push(ev(baseUrl.ref, 'the public URL is https'));
      out.push(
        finding(meta, {
          severity: fronts.length > 0 ? 'high' : 'medium',
          message: `Airflow webserver (${fw.file}): enable_proxy_fix is ${s.origin === 'default' ? 'not set (default False)' : 'False'}${fronts.length ? ' behind a TLS-ending ingress/proxy' : ' while base_url is https'}: requests reach Flask as http, so url_for(..., _external=True) — OAuth/OIDC redirect_uri, login redirects — comes out http://.`,
          evidence,
          why: "TLS ends at the ingress, which forwards plain HTTP with X-Forwarded-Proto: https. gunicorn believes that header only from 127.0.0.1, and Airflow applies Werkzeug's ProxyFix only with enable_proxy_fix. Without either the request scheme is http; PREFERRED_URL_SCHEME is used by Flask only outside a request, so it does not fix these URLs.",
          fix: fixFor(facts, fw),
          data: { origin: s.origin },
        }),
      );
    }
    return out;
  },
};
