/**
 * Scan facts: what the static crawler and the browser engine learned about a live site.
 * Scan checks (src/checks/scan/) are pure functions of these facts; both engines fill the same shape.
 */

/** Where a URL was found: the element/attribute (or CSS construct) that makes the browser load or submit it. */
export type RefKind =
  | 'img'
  | 'img-srcset'
  | 'picture-source'
  | 'script'
  | 'stylesheet'
  | 'preload'
  | 'modulepreload'
  | 'icon'
  | 'manifest'
  | 'iframe'
  | 'object'
  | 'embed'
  | 'media'
  | 'poster'
  | 'track'
  | 'input-image'
  | 'form-action'
  | 'meta-refresh'
  | 'base'
  | 'link'
  | 'css-image'
  | 'css-import'
  | 'css-font'
  | 'svg-image'
  | 'svg-use'
  | 'manifest-icon'
  | 'websocket'
  /** Seen only by the browser (fetch/XHR/EventSource made by a script, or any resource type Chromium reports). */
  | 'browser';

/**
 * What Chromium 156 does with an insecure URL on an HTTPS page (pinned in test/scan/chromium-rules.test.ts):
 * - blocked: not loaded (blockable content, img with srcset, picture sources, favicons, ws://, fetch);
 * - upgraded: silently re-requested over https:// keeping the port (img src, audio/video, poster, CSS images);
 * - warning: loaded over http with a console warning (passive content whose host is an IP address: never upgraded);
 * - form: a form that submits to http:// (warning on load, "form is not secure" interstitial on submit);
 * - websocket: ws:// (blocked; the WebSocket constructor throws SecurityError);
 * - base: `<base href="http://...">`: every relative URL inherits http://;
 * - navigation: a link or meta refresh to http:// (not mixed content: leaving the site's HTTPS).
 */
export type Classification = 'blocked' | 'upgraded' | 'warning' | 'form' | 'websocket' | 'base' | 'navigation';

/** The classifications that are Chromium mixed content proper (what the browser reports for a page load). */
export const MIXED_CONTENT: readonly Classification[] = ['blocked', 'upgraded', 'warning', 'form', 'websocket'];

export interface UrlRef {
  /** Absolute URL as the browser resolves it (http:// or ws://). */
  url: string;
  kind: RefKind;
  classification: Classification;
  /** 'html' / 'css' from the raw response; 'browser' from Chromium's own reports. */
  source: 'html' | 'css' | 'browser';
  /** The document it was found in (the page, or a CSS file), with a 1-based line when known. */
  doc: string;
  line?: number;
  /** The tag or CSS text, trimmed. */
  snippet?: string;
  /** Relative URL turned into http:// by an insecure `<base href>`. */
  viaBase?: boolean;
  /** Browser engine: Chromium's resourceType (Image, Script, Stylesheet, Form, Resource...). */
  resourceType?: string;
}

export interface RedirectHop {
  url: string;
  status: number;
  /** The Location header, verbatim. */
  location?: string;
  /** Set-Cookie headers of this hop (login redirects often set the session cookie). */
  setCookie?: string[];
}

export interface CookieFacts {
  name: string;
  secure: boolean;
  httpOnly: boolean;
  /** Lower-cased SameSite value when present. */
  sameSite?: string;
  /** The Set-Cookie header line, with the value elided. */
  raw: string;
  /** The response URL that set it. */
  url: string;
  /** Seconds from Max-Age; 'session' with neither Max-Age nor Expires; 'unknown' from Expires alone. */
  lifetime?: number | 'session' | 'unknown';
  /** The Domain attribute, lower-cased without a leading dot (absent: a host-only cookie). */
  domain?: string;
}

export interface PageFacts {
  /** URL as requested (after following nothing). */
  url: string;
  /** URL of the final response after redirects. */
  finalUrl: string;
  status: number;
  depth: number;
  /** Every response before the final one (empty when there was no redirect). */
  chain: RedirectHop[];
  /** The chain revisits a URL, or exceeds the redirect limit. */
  redirectLoop?: 'revisit' | 'limit';
  contentType?: string;
  /** Strict-Transport-Security header of the final response, verbatim. */
  hsts?: string;
  /** Content-Security-Policy header values plus `<meta http-equiv=Content-Security-Policy>`. */
  csp: string[];
  cookies: CookieFacts[];
  /** Every http:// or ws:// URL in the raw HTML and the linked CSS, classified as Chromium would. */
  insecure: UrlRef[];
  /**
   * Browser engine: what Chromium itself reported for this page (deduplicated); empty when Chromium could not
   * load it (see `browser.error`). Undefined for the static engine.
   */
  observed?: UrlRef[];
  /** Browser engine: the page as Chromium loaded it (its own status), or why it could not. */
  browser?: BrowserLoad;
  /** Absolute URLs on the page's own host, by scheme, and relative URLs: the attribution's evidence. */
  linkStats: { sameHostHttp: number; sameHostHttps: number; relative: number };
  canonical?: string;
  ogUrl?: string;
  baseHref?: string;
  /** Bytes read were capped (the body was truncated). */
  truncated?: boolean;
  /** The body was not valid UTF-8 (decoded with replacement characters). */
  invalidUtf8?: boolean;
  /** Path of the screenshot (browser engine, when asked). */
  screenshot?: string;
  /** The redirect chain ended in a failed request (URL: message). */
  fetchError?: string;
  /** Same-site links found on the page and not followed because of a limit. */
  linksNotFollowed?: number;
  /** Linked stylesheets not fetched because of the per-page limit. */
  stylesheetsNotFetched?: number;
  /** The HTML nests elements deeper than the parser's limit: read up to this line. */
  depthLimitLine?: number;
  /** The HTML could not be parsed in time (its parser was stopped): nothing was extracted from it. */
  parseError?: string;
}

/** Why Chromium could not load a page (collectors/browser/load-error.ts). */
export interface PageLoadError {
  /** Chromium's net error (ERR_CERT_AUTHORITY_INVALID...), or timeout / crash / browser-closed / not-visited. */
  code: string;
  /** What went wrong, in words. */
  reason: string;
  /** The option (or action) that would help, when there is one. */
  hint?: string;
  /** Chromium's / playwright's own first line. */
  detail: string;
}

export interface BrowserLoad {
  /** HTTP status of the document as Chromium loaded it (after its own redirects). */
  status?: number;
  finalUrl?: string;
  error?: PageLoadError;
}

export interface FetchFailure {
  url: string;
  message: string;
  /** TLS / network / timeout code when known (DEPTH_ZERO_SELF_SIGNED_CERT, ETIMEDOUT, ...). */
  code?: string;
}

/** The plain http:// twin of the entry URL: is it redirected to https, does it send HSTS? */
export interface HttpEntryFacts {
  url: string;
  status?: number;
  chain: RedirectHop[];
  finalUrl?: string;
  hsts?: string;
  error?: string;
}

/** `--confirm-cause`: the page re-fetched with `X-Forwarded-Proto: https` added by the client. */
export interface ConfirmFacts {
  page: string;
  /** Same-site http:// URLs in the normal response. */
  before: string[];
  /** Same-site http:// URLs left when the client claims https. */
  after: string[];
}

/** A third-party http:// URL checked over https (one bounded HEAD request). */
export interface ThirdPartyFacts {
  url: string;
  httpsStatus?: number;
  error?: string;
}

/** A lint finding of the same deployment that explains a scheme loss (`--config DIR`). */
export interface LintJoin {
  id: string;
  file: string;
  line: number;
  message: string;
}

export interface ScanFacts {
  entry: string;
  engine: 'static' | 'browser';
  pages: PageFacts[];
  httpEntry?: HttpEntryFacts;
  confirm: ConfirmFacts[];
  thirdParty: ThirdPartyFacts[];
  lint: LintJoin[];
  failures: FetchFailure[];
  /** What the scan trusted: `--insecure` (nothing verified, both engines) or where its CA certificates came from. */
  trust?: { insecure: boolean; description: string };
}
