/**
 * haproxy/legacy-header-directive: a 1.x regex header directive (`reqadd`, `reqrep`, `reqirep`, `reqdel`,
 * `rspadd`...). HAProxy 2.1 removed them: 2.1 and later refuse the whole configuration ("The 'reqadd' directive is
 * not supported anymore since HAProxy 2.1. Use 'http-request add-header' instead."; checked with Debian's 2.6).
 * The fix writes the `http-request`/`http-response` line that does the same, which every version since 1.5 reads.
 * Where the deployment names the HAProxy it runs (a compose/Kubernetes image tag, a Dockerfile `FROM haproxy:...`, else
 * `haproxy -v`/`-vv` output saved in the tree),
 * a version of 2.1 or later (a floating `2`/`latest` tag included) refuses to start with this file: high. A 1.x/2.0
 * image still loads it: low, the break comes with the upgrade. No image named: low, with the versions said.
 */
import { deployedProxyVersion, versionAtLeast } from '../../collectors/proxy/container.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev, PROXY_DOCS } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'haproxy/legacy-header-directive',
  severity: 'low',
  title: 'HAProxy 1.x header directive that 2.1 and later refuse',
  summary:
    'reqadd/reqrep/reqdel/rspadd... were removed in HAProxy 2.1: the config does not load on a current HAProxy. The http-request/http-response form does the same on every version since 1.5.',
  references: [
    PROXY_DOCS.haproxySetHeader,
    'https://www.haproxy.com/blog/haproxy-2-1/',
    'https://docs.haproxy.org/1.8/configuration.html#4.2-reqadd',
  ],
};

export const haproxyLegacyHeaderDirective: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const hasLegacy = (facts.proxies ?? []).some((p) => (p.haproxy?.legacy?.length ?? 0) > 0);
    const version = hasLegacy ? deployedProxyVersion(facts, 'haproxy') : undefined;
    const refuses = version !== undefined && versionAtLeast(version.value, 2, 1);
    for (const p of facts.proxies ?? [])
      for (const l of p.haproxy?.legacy ?? []) {
        const modern = l.replacement;
        const deployed = version
          ? refuses
            ? `; the deployment runs HAProxy ${version.value} (${version.ref.file}:${version.ref.line}), which refuses it: HAProxy does not start with this file`
            : `; the deployment runs HAProxy ${version.value} (${version.ref.file}:${version.ref.line}), which still reads it: it breaks on the upgrade to 2.1+`
          : '';
        out.push(
          finding(meta, {
            ...(refuses ? { severity: 'high' as const } : {}),
            message: `${l.section}: \`${l.ref.snippet}\` is a HAProxy 1.x directive; HAProxy 2.1 and later refuse the configuration ("The '${l.directive}' directive is not supported anymore since HAProxy 2.1")${deployed}`,
            evidence: [
              ev(l.ref, `${l.directive} (removed in HAProxy 2.1)`),
              ...(version
                ? [
                    ev(
                      version.ref,
                      `HAProxy ${version.value} ${version.printed ? 'as `haproxy -v` printed it' : 'by the image tag'}`,
                    ),
                  ]
                : []),
            ],
            why: 'The regex-based req*/rsp* directives were deprecated in 2.0 and removed in 2.1. Until the config is moved, it only runs on HAProxy 1.x (end of life), and the header rule it writes is lost the day the package is upgraded.',
            fix: modern
              ? {
                  description: `Write the same rule with ${modern.split(' ')[0]} (HAProxy 1.5+).`,
                  file: l.ref.file,
                  line: l.ref.line,
                  lines: [modern],
                  placement: 'replace',
                }
              : {
                  description: `No one-line equivalent: rewrite it with http-request/http-response rules (${l.directive} over the request line or a renamed header needs set-uri/set-path, or set-header plus del-header).`,
                },
          }),
        );
      }
    return out;
  },
};
