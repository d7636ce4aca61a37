/**
 * ProbeFacts: what `probe` observed on a live backend (the collector is probe/run.ts; the checks in
 * checks/probe/ compare the exchanges). Plain data, so the checks are pure and table-testable.
 */

/** Values the forged requests carry; documentation-only ranges and a reserved name, never a real party. */
export const FORGED = {
  host: 'forged-host.proxyproof.invalid',
  ip: '198.18.0.77',
  /**
   * The forged X-Forwarded-For is a list of two (`ip, ip2`): an app that believes it reports one of them alone,
   * while a page that merely echoes the raw request header shows the whole list (stripped before looking).
   */
  ip2: '198.18.0.78',
} as const;

/** At most this many extra client-address paths (two GETs each): the probe stays a handful of requests. */
export const CLIENT_IP_PATHS = 3;

export type ExchangeName = 'baseline' | 'scheme' | 'host' | 'client';

export interface ProbeResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ', ' except set-cookie. */
  headers: Record<string, string>;
  setCookies: string[];
  /** The start of the body (at most BODY_CAP bytes, decoded as UTF-8). */
  body: string;
  /** The body was longer than what was read. */
  truncated: boolean;
}

export interface ProbeExchange {
  name: ExchangeName;
  /** The forged headers sent on top of the baseline request (empty for the baseline). */
  sent: Record<string, string>;
  /**
   * The URL asked, when not `ProbeFacts.backend`: the client-address pairs (a baseline and a forged X-Forwarded-For)
   * sent to the other paths `--client-ip-path` names, where the app shows the client's address (`/` may not).
   */
  url?: string;
  response?: ProbeResponse;
  error?: string;
}

export interface ProbeFacts {
  /** The backend URL probed (http://host:port/path). */
  backend: string;
  /** The Host header sent (the public site's host when --public is given). */
  hostHeader: string;
  /** The public origin (https://site) when given. */
  public?: string;
  /** The network namespace the requests were made from, when not this host's own. */
  fromNetns?: string;
  /** Whether the backend answered HTTP at all from where the probe ran. */
  reachable: { ok: boolean; error?: string };
  exchanges: ProbeExchange[];
}
