import type { CheckMeta } from '../../model/check.js';
import { fixFor, mixedContentFindings, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/insecure-websocket',
  severity: 'high',
  title: 'WebSocket to ws:// from an https page',
  summary:
    'An https page opens (or contains) a ws:// WebSocket URL; Chromium blocks it and the constructor throws SecurityError.',
  references: [
    'https://websockets.spec.whatwg.org/#dom-websocket-websocket',
    'https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/WebSocket#exceptions',
  ],
};

export const insecureWebsocket: ScanCheck = {
  meta,
  run: (facts) =>
    mixedContentFindings(meta, facts, ['websocket'], (ref, a) => ({
      message: `${ref.url} is a ws:// endpoint on an https page${ref.source === 'browser' ? ' (opened by a script)' : ''}`,
      why: '`new WebSocket("ws://...")` throws SecurityError on an https page: live updates, chat or notifications stop working. Often built from `location` by a backend that believes it is on http.',
      fix:
        a.cause === 'backend-generated'
          ? fixFor(a, ref.url, facts)
          : `use wss:// (or build the URL from location.protocol === 'https:' ? 'wss:' : 'ws:')`,
    })),
};
