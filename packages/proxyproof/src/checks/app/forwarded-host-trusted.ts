/**
 * app/forwarded-host-trusted: the app end takes the request's host from X-Forwarded-Host sent by any peer
 * (Rails: ActionDispatch::Http::URL#raw_host_with_port, the last value, no trusted-proxy test) and has no host
 * allow-list (Rails `config.hosts`, empty in production by default). Whoever can put the header on a request that
 * reaches the app (a proxy that passes the client's X-Forwarded-Host on, or the app's own port) chooses the host of
 * `redirect_to`, `url_for`/`*_url` and every absolute URL built from the request: host header poisoning.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { BindAddress } from '../../model/facts.js';
import type { Evidence, Finding, FixEdit, Severity } from '../../model/finding.js';
import { APP_REFS, appEnds, containerEvidence, ev, nginxFeeds, publishedPorts, serversOf } from './common.js';

const meta: CheckMeta = {
  id: 'app/forwarded-host-trusted',
  severity: 'medium',
  title: 'The app takes the host from any X-Forwarded-Host and allows every host',
  summary:
    'Rails believes X-Forwarded-Host from every peer; with an empty config.hosts, a client whose header reaches the app sets the host of redirects and absolute URLs.',
  references: [APP_REFS.railsUrl, APP_REFS.railsHostAuthorization, APP_REFS.railsHostsGuide],
};

/** nginx overwrites X-Forwarded-Host with a value of its own (not the client's header). */
function proxySetsHost(value: string): boolean {
  return value !== '' && !/\$http_x_forwarded_host\b/i.test(value);
}

export const forwardedHostTrusted: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      if (!a.hostHeaders?.includes('x-forwarded-host')) continue;
      // Written for host allow-lists (Rails config.hosts); an app end without one (SvelteKit adapter-node's
      // HOST_HEADER) has no such setting to advise: its forged host is app/trust-all's and chain/spoofable-backend's.
      if (fw.kind === 'sveltekit') continue;
      const allow = a.hostAllowList;
      if (allow && allow.value.length > 0) continue;
      const servers = serversOf(facts, fw);
      const binds: BindAddress[] = [...servers.flatMap((s) => s.binds), ...(a.binds ?? [])];
      // Reachable without the proxy: a bind the deployment facts place on the network, a published port, or (outside
      // a container, where 0.0.0.0 is the container's own network) every interface.
      const inContainer = containerEvidence(facts) !== undefined;
      const open = binds.filter(
        (b) =>
          b.reach === 'network' ||
          (b.published !== undefined && !/^(127\.|::1$|localhost$)/.test(b.published.hostIp ?? '')) ||
          (!inContainer && !b.container && b.reach === undefined && b.exposure === 'all-interfaces'),
      );
      const published = open.length === 0 ? publishedPorts(facts, binds.find((b) => b.port !== undefined)?.port) : [];
      const feeds = nginxFeeds(facts, binds);
      const passing = feeds.filter((f) => !f.uncertain && !proxySetsHost(f.forwardedHost));
      const direct = open.length > 0 || (inContainer && published.length > 0);
      // Every nginx route to the app writes X-Forwarded-Host itself and nothing else reaches the app: the host is the
      // browser's Host as nginx saw it.
      if (!direct && feeds.length > 0 && passing.length === 0 && feeds.every((f) => !f.uncertain)) continue;
      const severity: Severity = direct || passing.length > 0 ? 'medium' : 'low';
      const reasons: string[] = [];
      const evidence: Evidence[] = [
        ev(
          allow?.ref ?? a.ref,
          allow?.origin === 'default' || !allow
            ? `${a.name}: no config.hosts, so every host is accepted (the production default)`
            : 'config.hosts is emptied here: every host is accepted',
        ),
      ];
      // The app server itself (the chain's spoofable-backend names it too: one root cause, one headline).
      const serverRef = servers[0]?.binds[0]?.ref ?? servers[0]?.launch;
      if (serverRef && !open[0]) evidence.push(ev(serverRef, `${servers[0]?.name ?? 'the app server'} runs ${a.name}`));
      if (open[0]) {
        const b = open[0];
        reasons.push(
          `its server listens on ${b.host ?? b.path ?? '?'}${b.port !== undefined ? `:${b.port}` : ''}, reachable without the proxy`,
        );
        evidence.push(ev(b.published?.ref ?? b.ref, 'the app server is reachable directly'));
      } else if (direct && published[0]) {
        reasons.push('its container port is published, reachable without the proxy');
        evidence.push(published[0]);
      }
      if (passing[0]) {
        reasons.push(`${passing[0].scope.note ?? 'nginx proxies to the app'} and passes the client's X-Forwarded-Host on`);
        evidence.push({ ...passing[0].scope, note: `${passing[0].scope.note}; sets no X-Forwarded-Host of its own` });
      }
      const names = [...new Set(feeds.flatMap((f) => f.serverNames))];
      const envFile = facts.frameworks.includes(fw) ? fw.file : undefined;
      const fixLines = names.length > 0 ? names.map((n) => `  config.hosts << ${JSON.stringify(n)}`) : undefined;
      const endLine = envFile ? lastEndLine(facts.sources.get(envFile)) : undefined;
      // Only nginx brings the header (the port is not reachable without it) and the files name no host for
      // config.hosts: the mechanical edit is nginx's own X-Forwarded-Host in every location that passes the client's
      // on (as the check itself reads it: a route whose nginx sets the header leaves no finding).
      const nginxEdits: FixEdit[] = direct
        ? []
        : passing.map((f) => ({
            file: f.pass.file,
            line: f.pass.line as number,
            lines: [
              `${indentOf(facts.sources.get(f.pass.file)?.[(f.pass.line as number) - 1])}proxy_set_header X-Forwarded-Host $host;`,
            ],
            placement: 'after' as const,
          }));
      const editable = nginxEdits.filter((e) => e.line !== undefined && facts.sources.has(e.file));
      const nginxFix = !fixLines && editable.length === passing.length && editable[0] ? editable : undefined;
      // The fix overwrites the header at nginx: that route, where the forged header is let on and stopped, comes first
      // (as chain/spoofable-backend cites a through-proxy spoof at the hop that passes it on).
      if (nginxFix && !fixLines) {
        const at = evidence.findIndex((e) => e.file === passing[0]?.scope.file && e.line === passing[0]?.scope.line);
        if (at > 0) evidence.unshift(...evidence.splice(at, 1));
      }
      out.push(
        finding(meta, {
          severity,
          message:
            `${a.name} takes the request's host from the last X-Forwarded-Host value sent by any peer and accepts every host` +
            (reasons.length > 0
              ? `: ${reasons.join('; ')}, so a client chooses the host of redirects and absolute URLs`
              : '; make sure every proxy in front overwrites or removes X-Forwarded-Host'),
          evidence,
          why: 'Rails builds redirect_to targets, *_url helpers and request.base_url from request.host, which is the X-Forwarded-Host header when one arrives, from whoever sent it. A forged X-Forwarded-Host: evil.example turns a redirect to the login page into a redirect to evil.example, and a cache in front can store that answer for everyone (host header poisoning). config.hosts (HostAuthorization) answers 403 to a request whose Host or X-Forwarded-Host it does not list.',
          fix: {
            description: `List the site's own host names in config.hosts (production), so HostAuthorization refuses any other Host or X-Forwarded-Host${passing[0] ? '; and make the proxy overwrite the header (nginx: proxy_set_header X-Forwarded-Host $host;)' : ''}.`,
            // Straight to a reachable port the forged scheme and client come too: the chain's fix (bind, unpublish)
            // is the one to apply; the lines here are then a suggestion, not the mechanical edit.
            ...(fixLines && envFile && endLine
              ? { file: envFile, line: endLine - 1, lines: fixLines, ...(direct ? {} : { placement: 'after' as const }) }
              : nginxFix?.[0]
                ? { ...nginxFix[0], ...(nginxFix.length > 1 ? { also: nginxFix.slice(1) } : {}) }
                : { file: envFile }),
          },
          data: { directlyReachable: direct, proxyPassesHeader: passing.length > 0, names, hostOnly: true },
        }),
      );
    }
    return out;
  },
};

/** The line of a Ruby file's last `end` (the close of `Rails.application.configure do`). */
function lastEndLine(lines: string[] | undefined): number | undefined {
  if (!lines) return undefined;
  for (let i = lines.length - 1; i >= 0; i--) if (/^end\b/.test((lines[i] ?? '').trim())) return i + 1;
  return undefined;
}

/** The leading white space of a config line (a new directive goes in at the same depth). */
function indentOf(line: string | undefined): string {
  return /^\s*/.exec(line ?? '')?.[0] || '    ';
}
