/**
 * How the app itself can trust the proxy's X-Forwarded-Proto, worded for the framework that was found: a Flask
 * finding gets Werkzeug's ProxyFix, never Django's setting (issue 12, "Advice that fits what was found").
 */
import type { AppServerFacts, Facts, FrameworkKind } from '../../model/facts.js';
import { serversFor } from './context.js';

const DJANGO = 'Django: SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")';
const FLASK = "Flask: app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1) (Werkzeug's ProxyFix)";

/**
 * The frameworks run behind `server` (every framework when the tree has one, else those serversFor joins to it),
 * or behind any server when `server` is undefined.
 */
export function frameworkKinds(facts: Facts, server?: AppServerFacts): Set<FrameworkKind> {
  return new Set(
    facts.frameworks
      .filter((f) => !server || facts.frameworks.length === 1 || serversFor(facts, f).includes(server))
      .map((f) => f.kind),
  );
}

/**
 * The app-side settings that read X-Forwarded-Proto, one per Python framework found. With no framework found
 * the Django setting stays as the example (the most common app behind these servers); a tree whose frameworks
 * are all known and neither Django nor Flask gets none.
 */
export function appSchemeSettings(kinds: ReadonlySet<FrameworkKind>): string[] {
  if (kinds.size === 0) return [DJANGO];
  return [...(kinds.has('django') ? [DJANGO] : []), ...(kinds.has('flask') ? [FLASK] : [])];
}
