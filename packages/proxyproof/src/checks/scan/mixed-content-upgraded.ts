import type { CheckMeta } from '../../model/check.js';
import { fixFor, mixedContentFindings, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/mixed-content-upgraded',
  severity: 'medium',
  title: 'Passive mixed content (auto-upgraded, or loaded with a warning)',
  summary:
    'An https page loads an image, audio/video, poster or CSS image over http://; Chromium upgrades it to https:// keeping the port, or (IP-address hosts) loads it over http with a warning.',
  references: [
    'https://blog.chromium.org/2019/10/no-more-mixed-messages-about-https.html',
    'https://www.w3.org/TR/mixed-content/#upgrade-algorithm',
    'https://chromedevtools.github.io/devtools-protocol/tot/Audits/#type-MixedContentResolutionStatus',
  ],
};

export const mixedContentUpgraded: ScanCheck = {
  meta,
  run: (facts) =>
    mixedContentFindings(meta, facts, ['upgraded', 'warning'], (ref, a) => {
      const u = new URL(ref.url);
      const portNote =
        u.port && u.port !== '443'
          ? ` Chromium requests https://${u.host}${u.pathname}: the upgrade keeps port ${u.port}, which usually does not speak TLS, so the image breaks.`
          : '';
      return ref.classification === 'warning'
        ? {
            message: `${ref.url} (${ref.resourceType ?? ref.kind}) is loaded over plain http with a warning: Chromium never upgrades an IP-address URL`,
            why: 'The page is no longer fully secure (no padlock); the content can be read and replaced on the network.',
            fix: fixFor(a, ref.url, facts),
          }
        : {
            message: `${ref.url} (${ref.resourceType ?? ref.kind}) is silently upgraded to https:// by Chromium.${portNote}`,
            why: 'It works only while the same host and port serve the file over https; other browsers and older Chromium show a "not secure" warning or block it, and the cause (the backend building http:// URLs) is still there.',
            severity: portNote ? 'high' : undefined,
            fix: fixFor(a, ref.url, facts),
          };
    }),
};
