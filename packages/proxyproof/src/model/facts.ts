/**
 * Facts: what collectors (parsers of files, the crawler, the browser, the prober) learned.
 * Checks and the chain simulator read only this; they never read files themselves.
 *
 * Ownership: `nginx` is produced by collectors/nginx + facts/nginx; `appServers`, `frameworks`
 * and `deployments` by collectors/python, collectors/deploy and collectors/node. Fields may be
 * added (optional) by the owning layer; existing fields keep their meaning.
 */

import type { NginxFacts } from '../facts/nginx/types.js';
import type { ComposeFacts, Reach, WorkloadFacts } from './deploy.js';
import type { Diagnostic } from './finding.js';
import type {
  ForwardedForReader,
  FrontFacts,
  KubeFacts,
  ProxyConfigFacts,
  ProxyVersionOutput,
  TemplateBinding,
} from './proxy.js';
import type { TemplateNote } from './template.js';

export type { ComposeFacts, Reach, WorkloadFacts } from './deploy.js';

export interface SourceRef {
  file: string;
  line: number;
  column?: number;
  snippet?: string;
}

/**
 * A value read from configuration, with where it came from. `origin` tells a reader whether the
 * value is literal in a file, the program's documented default, or depends on the environment.
 */
export interface Valued<T> {
  value: T;
  origin: 'literal' | 'default' | 'env' | 'computed' | 'unknown';
  ref?: SourceRef;
  /** For `env`: the variable that decides it (`FORWARDED_ALLOW_IPS`), the value used being its default. */
  envVar?: string;
  note?: string;
}

export type Exposure =
  /** 127.0.0.0/8, ::1, localhost */
  | 'loopback'
  /** 0.0.0.0, ::, * or a published container port */
  | 'all-interfaces'
  /** a concrete non-loopback address */
  | 'specific'
  | 'unix'
  | 'unknown';

export interface BindAddress {
  kind: 'tcp' | 'unix' | 'fd';
  host?: string;
  port?: number;
  path?: string;
  exposure: Exposure;
  ref?: SourceRef;
  /**
   * A container port published to the host (compose `ports:`), with the host-side address; `by` names what
   * publishes it when that is not compose (a Kubernetes `LoadBalancer`/`NodePort` Service selecting the pod).
   */
  published?: { hostIp: string; hostPort: number; ref?: SourceRef; by?: string };
  /** The bind is inside a container (compose service, Dockerfile): 0.0.0.0 there means the container's network. */
  container?: boolean;
  /**
   * Who can open a connection to it, all things considered (container networks, published ports,
   * systemd binds). Set by collectors/deploy and collectors/python; see model/deploy.ts.
   */
  reach?: Reach;
  /**
   * The protocol spoken on it when not HTTP: a uWSGI `socket` (uwsgi), php-fpm (FastCGI). `probe` sends HTTP, so the
   * doctor suggests no HTTP probe for these (what reaches them is what the proxy's params say).
   */
  protocol?: 'uwsgi' | 'fastcgi' | 'scgi';
}

export type AppServerKind = 'gunicorn' | 'uvicorn' | 'daphne' | 'hypercorn' | 'node' | 'werkzeug' | 'other';

export interface AppServerFacts {
  kind: AppServerKind;
  /** Display name when `kind` is 'other' (`puma`, `php-fpm`, `waitress`, `uwsgi`, `kestrel`). */
  name?: string;
  /** Where the process is started (the command line's location). */
  launch: SourceRef & {
    /** `kamal`: the image's command run by Kamal (collectors/kamal): on Kamal's Docker network, nothing published. */
    via: 'systemd' | 'compose' | 'dockerfile' | 'procfile' | 'supervisord' | 'shell' | 'config' | 'code' | 'k8s' | 'kamal';
  };
  /** Compose service (or systemd unit) name, used to link `proxy_pass http://web:8000`. */
  service?: string;
  /** The application it serves (`mysite.wsgi:application`, `main:app`). */
  appTarget?: string;
  binds: BindAddress[];
  /** Whether it turns forwarded headers into scheme / client address at all (uvicorn --proxy-headers). */
  proxyHeaders: Valued<boolean>;
  /** Source addresses it trusts forwarded headers from: ['127.0.0.1'], ['*'], CIDRs, or [] for none. */
  trustedProxies: Valued<string[]>;
  /** Header -> value meaning https (gunicorn secure_scheme_headers). */
  schemeHeaders: Valued<Record<string, string>>;
  /** Which headers it reads for the client address (X-Forwarded-For, Forwarded...). */
  clientAddressHeaders?: string[];
  /** Config files it reads (gunicorn.conf.py, -c FILE). */
  configFiles: string[];
  /** Environment it runs with (systemd Environment=, compose environment:). */
  env: Record<string, Valued<string>>;
  /** Assumed program version for defaults (Debian's, unless pinned). */
  assumedVersion?: string;
  /** gunicorn `-k`/worker_class (uvicorn.workers.UvicornWorker changes who reads the headers). */
  workerClass?: string;
  /** The server itself terminates TLS (--certfile, --ssl-certfile). */
  tls?: boolean;
  /** Readable notes about how the facts were derived (EnvironmentFile= not read, PORT behaviour...). */
  notes?: string[];
  /**
   * Helm values written into its command line (`{{ .Values.web.extraArgs }}`), with the values.yaml line that
   * sets them; `appends` when the value is a whole word of the command (extra arguments go there).
   */
  valuesFeeds?: Array<{ path: string; value: unknown; ref: SourceRef; appends: boolean }>;
  /** A platform whose proxy routes to this container (render.yaml / fly.toml naming its Dockerfile). */
  platform?: { name: string; ref: SourceRef };
}

export type FrameworkKind =
  | 'django'
  | 'flask'
  | 'fastapi'
  | 'starlette'
  | 'express'
  | 'fastify'
  | 'koa'
  | 'nestjs'
  | 'nextjs'
  | 'airflow'
  | 'sveltekit'
  | 'hono'
  | 'rails'
  | 'laravel'
  | 'symfony'
  | 'wordpress'
  | 'spring'
  | 'tomcat'
  | 'jetty'
  | 'aspnet'
  | 'gin'
  | 'echo'
  | 'chi'
  | 'phoenix'
  | 'odoo'
  | 'other';

/**
 * Neutral facts of an app end (issue 14): which headers it reads for scheme / client / host, from
 * which peers it believes them, and what it does with the answer. Filled by the per-ecosystem
 * collectors (ruby, php, jvm, dotnet, go); read by checks/app and by the chain simulator, which
 * needs no framework syntax. Trust lists: `['*']` every peer, `[]` nobody, otherwise IPs/CIDRs
 * (`loopback` and `private` name the usual ranges).
 */
export interface AppEndFacts {
  /** Display name: `Rails`, `Laravel`, `Spring Boot (Tomcat)`. */
  name: string;
  /** The line that decides the trust (or where a fix goes when nothing is written). */
  ref: SourceRef;
  /** Lower-case header names it reads the scheme from, in its order; [] when it reads none. */
  schemeHeaders: string[];
  /**
   * The line that leaves the scheme header out, when `schemeHeaders` is [] because a written header list omits it
   * (Symfony `trusted_headers` without `x-forwarded-proto`): where a scheme lost at this app end is decided.
   */
  schemeHeadersRef?: SourceRef;
  /** Headers it reads the client address from. */
  clientHeaders: string[];
  /**
   * A header it takes the client address from before anything else, from every peer, whenever it arrives non-empty
   * (Gin's `TrustedPlatform`: gin.PlatformCloudflare = CF-Connecting-IP; lower-case), with the line that sets it.
   */
  clientPlatformHeader?: { header: string; ref: SourceRef };
  /** Peers whose scheme header it believes. */
  trustScheme: Valued<string[]>;
  /** Peers whose client-address header it believes. */
  trustClient: Valued<string[]>;
  /**
   * Lower-case headers it takes the request's host from, from every peer, the last comma-separated value winning
   * (Rails: ActionDispatch::Http::URL#raw_host_with_port takes X-Forwarded-Host's last value, no trusted-proxy test).
   * Undefined: the host is the Host header.
   */
  hostHeaders?: string[];
  /**
   * The hosts it accepts (Rails `config.hosts`: HostAuthorization answers 403 to a request whose Host or last
   * X-Forwarded-Host is not listed). An empty list (Rails' production default) or undefined accepts every host.
   * Entries as written: `example.com`, `.example.com` (the domain and its subdomains), `/regexp/`.
   */
  hostAllowList?: Valued<string[]>;
  /**
   * It reads its forwarded headers only on a request that carries this (lower-case) header with a non-empty value,
   * and ignores them all otherwise (Odoo's proxy_mode: X-Forwarded-Host). Undefined: no such condition.
   */
  forwardedOnlyWith?: string;
  /**
   * It treats every request as http whatever arrived (SvelteKit adapter-node with an `http://` ORIGIN): the scheme
   * is its own setting's, so nothing a proxy sends changes it.
   */
  assumeHttp?: Valued<boolean>;
  /** It treats every request as https whatever arrived (Rails assume_ssl, OCTANE_HTTPS, wp-config HTTPS=on). */
  assumeHttps?: Valued<boolean>;
  /**
   * The scheme it takes when none of `schemeHeaders` arrived (SvelteKit adapter-node's get_origin: `https`, not the
   * connection's scheme). Undefined: the connection's scheme.
   */
  schemeWhenAbsent?: 'https';
  /**
   * It takes the client address from the first of `clientHeaders`, counting this many comma-separated entries from
   * the right of X-Forwarded-For (adapter-node XFF_DEPTH, default 1; any other header: its whole value); it throws
   * when the header is absent or holds fewer entries. Undefined: the left-most untrusted entry (proxy-addr's walk).
   */
  clientFromRight?: number;
  /**
   * With `clientFromRight`, a header holding fewer entries leaves the TCP peer the client (werkzeug ProxyFix) instead
   * of failing (adapter-node).
   */
  clientShortKeepsPeer?: boolean;
  /**
   * The server's own `HTTPS=on` (its connection, or the web server's in front: Passenger, Puma ssl://) decides before
   * any forwarded header (Rack::Request#scheme), so a forwarded header cannot downgrade a TLS request.
   */
  serverHttpsFirst?: boolean;
  /** Redirects http requests to https (Rails force_ssl, Spring requiresSecure, UseHttpsRedirection). */
  sslRedirect?: Valued<boolean>;
  /** The setting that makes that redirect, as the app's docs name it (`FORCE_SSL_ADMIN`, `config.force_ssl`). */
  sslRedirectSetting?: string;
  /**
   * Path prefixes the redirect applies to, when it is not every page (WordPress FORCE_SSL_ADMIN: `/wp-admin/` and
   * `/wp-login.php`); undefined: every path.
   */
  sslRedirectPaths?: string[];
  /**
   * How the app reads the server variable `HTTPS` itself (WordPress is_ssl(): 'on' in any case or '1'; else
   * SERVER_PORT 443 when HTTPS is not set at all). Undefined: PHP's usual "non-empty and not off".
   */
  serverHttps?: { on: string[]; port443: boolean };
  /** The line the app's trust code goes before, when it is code (wp-config.php's `require_once ... wp-settings.php`). */
  insertBefore?: SourceRef;
  /** Request hosts the redirect never applies to (Plug.SSL's `exclude` default: localhost, 127.0.0.1). */
  redirectExempt?: Valued<string[]>;
  /**
   * The app's session cookie gets Secure only when the app believes the request is https (`auto`), always, or never
   * (issue 14; checks/app/secure-cookie-never-set). The Valued's ref is the setting's line (or where it belongs when
   * unset: origin `default`), its note what decides it ("Tomcat: Secure when request.isSecure()").
   */
  secureCookies?: Valued<'auto' | 'always' | 'never'>;
  /** The cookie that value is about (`laravel_session`, `JSESSIONID`, `the session cookie`). */
  secureCookieName?: string;
  /** Its lifetime in seconds, or 'session' (ends with the browser); undefined: not known (HSTS cover, hsts-cover.ts). */
  secureCookieLifetime?: number | 'session';
  /**
   * With `always`: the framework does not write a Secure cookie at all on a request it believes is http (Rails'
   * ActionDispatch::Cookies `write_cookie?`), so behind a proxy that loses the scheme the session never sticks.
   */
  secureCookieSkippedOnHttp?: boolean;
  /** The setting that makes it always Secure, as the user writes it (`SESSION_SECURE_COOKIE=true`), for the fix. */
  secureCookieFix?: string;
  /** Compares the Origin header with the request's own scheme+host (Rails origin check, Symfony/Laravel none). */
  originCheck?: Valued<boolean>;
  /** The app's own listener, when the framework owns it (Gin r.Run(":8080"), Kestrel urls). */
  binds?: BindAddress[];
  /** Where the program's defaults used here were read (source URL, version). */
  defaultsFrom?: string[];
  notes?: string[];
}

/**
 * Proxy trust that app code turns on only when an environment variable says so (`if os.getenv('BEHIND_PROXY'):`
 * around Werkzeug's ProxyFix, `if env.bool("SSL_REDIRECT", default=False):` around SECURE_PROXY_SSL_HEADER).
 * Filled by collectors/python; read by checks/deploy/trust-switch-off. Owner: issue 12 (deployment half).
 */
export interface EnvSwitchFacts {
  /** What the branch turns on: `ProxyFix`, `SECURE_PROXY_SSL_HEADER`. */
  what: string;
  envVar: string;
  /** The `if` that decides it. */
  ref: SourceRef;
  /** Where the branch turns it on. */
  setRef: SourceRef;
  /** The test as written. */
  test: string;
  /** The variable's default written in code (`False`), when the test reads one. */
  codeDefault?: string;
  /** The branch is taken when the variable is not set at all. */
  onByDefault: boolean;
  /** A value of the variable that turns the branch on (for the fix), when one of the usual spellings does. */
  onValue?: string;
  /** Per Python app server (index into Facts.appServers): the branch with that server's environment, and who sets it. */
  deployments: Array<{ appServer: number; on: boolean | undefined; setBy?: SourceRef; value?: string }>;
}

export interface FrameworkFacts {
  kind: FrameworkKind;
  /** The settings/app module the facts came from. */
  file: string;
  /** Django's module path (`mysite.settings`) or the app module, for linking to the app server. */
  module?: string;
  /**
   * Header the framework itself trusts for the scheme, as it is written in settings.
   * Django: SECURE_PROXY_SSL_HEADER (META name + value); null when unset.
   */
  schemeHeader?: Valued<{ header: string; value: string } | null>;
  /** True when, absent its own header, it takes the scheme the server computed (wsgi.url_scheme). */
  usesServerScheme: boolean;
  useForwardedHost?: Valued<boolean>;
  useForwardedPort?: Valued<boolean>;
  sslRedirect?: Valued<boolean>;
  sessionCookieSecure?: Valued<boolean>;
  csrfCookieSecure?: Valued<boolean>;
  csrfTrustedOrigins?: Valued<string[]>;
  allowedHosts?: Valued<string[]>;
  /** Express `trust proxy`, Fastify `trustProxy`, Koa `app.proxy`, Werkzeug ProxyFix counts, ... */
  trustProxy?: Valued<unknown>;
  /** ProxyFix(x_for=, x_proto=, x_host=, x_port=, x_prefix=) or similar per-header hop counts. */
  hopCounts?: Valued<Record<string, number>>;
  /** Assumed framework version for version-dependent rules. */
  assumedVersion?: string;
  /** Every evaluated setting, for checks that need more than the fields above. */
  settings: Record<string, Valued<unknown>>;
  /** Neutral app-end facts (the non-Python/Node ends, and any end that fills them). */
  appEnd?: AppEndFacts;
  /** Proxy trust behind an environment switch (see EnvSwitchFacts). */
  envSwitches?: EnvSwitchFacts[];
  /**
   * Django: the settings module's top-level `if` that configures the deployed environment (production, staging, a
   * platform's marker variable; collectors/python/deploy-block.ts): where a missing deployment setting is advised.
   */
  deployBlock?: { ref: SourceRef; test: string };
  /**
   * Where the app's code reads the request's host and scheme (collectors/node/request-reads.ts): whether what the
   * trust setting decides is used at all. `files`: the sources of the app's package searched (0: none were).
   */
  requestReads?: RequestReads;
}

/**
 * Reads of the request's host/scheme in an app's code; `via: 'trust'` ones go through the trust setting, `header`
 * ones take a header as it arrived, `connection` ones the app's own connection (Hono's `c.req.url`, `hono/csrf`).
 */
export interface RequestReads {
  host: Array<{ via: 'trust' | 'header' | 'connection'; what: string; ref: SourceRef }>;
  scheme: Array<{ via: 'trust' | 'header' | 'connection'; what: string; ref: SourceRef }>;
  files: number;
}

export interface Facts {
  /** Every file read, by display path, split in lines, for snippets. */
  sources: Map<string, string[]>;
  nginx: NginxFacts;
  appServers: AppServerFacts[];
  frameworks: FrameworkFacts[];
  diagnostics: Diagnostic[];
  /** Compose files: services, ports, expose, networks (filled by collectors/deploy; optional). */
  compose?: ComposeFacts;
  /** Template files read through collectors/template, by display path (kinds, placeholders, branches kept). */
  templates?: Map<string, TemplateNote>;
  /** Caddy, HAProxy, Apache, Traefik, ingress-nginx configs as neutral proxy facts (model/proxy.ts; issue 13). */
  proxies?: ProxyConfigFacts[];
  /** Proxy versions printed by the program itself and saved in the tree (`haproxy -v` output; model/proxy.ts). */
  proxyVersions?: ProxyVersionOutput[];
  /** Cloud/PaaS fronts declared (`--front`, `.proxyproof.json`) or inferred from the tree (issue 13). */
  fronts?: FrontFacts[];
  /** Kubernetes Services and ingress-nginx settings (issue 13). */
  kube?: KubeFacts;
  /** Apps that read the client address from X-Forwarded-For, and which entry (issue 13). */
  forwardedForReaders?: ForwardedForReader[];
  /**
   * Where app code depends on what the app server made of the forwarded headers (collectors/python): URLs built
   * from the request's scheme/host (`request.url_for`, `build_absolute_uri`, `url_for(_external=True)`) and the
   * client address (`request.client.host`, `request.remote_addr`). Findings cite them as the consequence.
   */
  codeUses?: Array<{
    kind: 'url' | 'client' | 'cookie';
    ref: SourceRef;
    what: string;
    /** A client-address read's view route (`@app.get("/ip")`): a path `probe --client-ip-path` asks. */
    route?: string;
  }>;
  /** Kubernetes workloads (containers that start app servers) and entries (Ingress, routes) (collectors/deploy). */
  workloads?: WorkloadFacts;
  /** Terraform `templatefile(path, { VAR : expr })` calls: what each template placeholder is bound to (issue 13). */
  templateBindings?: TemplateBinding[];
}
