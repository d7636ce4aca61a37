/**
 * The app server that hands forwarded headers to the app unchanged (Puma, Passenger, Cowboy/Bandit, Jetty, Tomcat's
 * Connector, Spring Boot's embedded server, Kestrel, php-fpm): it turns no header into a scheme or client address
 * and trusts nobody itself, so the framework end (AppEndFacts) decides. One builder, so every such server states
 * the same three defaults at its own launch line.
 */
import type { AppServerFacts, BindAddress, SourceRef } from './facts.js';

export interface PassThroughServer {
  /** Display name (`puma`, `passenger`, `kestrel`, `php-fpm`). */
  name: string;
  launch: SourceRef & { via: AppServerFacts['launch']['via'] };
  binds: BindAddress[];
  configFiles: string[];
  /** Readable notes: why the headers pass through (which end decides), where the listener came from. */
  notes: string[];
  appTarget?: string;
  service?: string;
  tls?: boolean;
}

export function passThroughServer(s: PassThroughServer): AppServerFacts {
  const { launch } = s;
  const { via: _via, ...ref } = launch;
  const server: AppServerFacts = {
    kind: 'other',
    name: s.name,
    launch,
    ...(s.service !== undefined ? { service: s.service } : {}),
    ...(s.appTarget !== undefined ? { appTarget: s.appTarget } : {}),
    binds: s.binds,
    proxyHeaders: { value: false, origin: 'default', ref },
    trustedProxies: { value: [], origin: 'default', ref },
    schemeHeaders: { value: {}, origin: 'default', ref },
    configFiles: s.configFiles,
    env: {},
    notes: s.notes,
  };
  if (s.tls) server.tls = true;
  return server;
}
