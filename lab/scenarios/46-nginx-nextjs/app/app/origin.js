// The site's own origin as an Auth.js-style app builds it (@auth/core createActionURL: X-Forwarded-Host or Host,
// and X-Forwarded-Proto). next start keeps these headers from any peer and fills X-Forwarded-Proto with `http`
// when nothing sent one, so behind a TLS proxy that does not send it, every absolute URL is http://.
export function siteOrigin(h) {
  const proto = h.get('x-forwarded-proto') ?? 'https';
  const host = h.get('x-forwarded-host') ?? h.get('host');
  return `${proto.split(',')[0].trim()}://${host}`;
}

export function whatTheAppSees(h) {
  const origin = siteOrigin(h);
  return {
    scheme: new URL(origin).protocol.replace(':', ''),
    origin,
    host: h.get('host'),
    x_forwarded_proto: h.get('x-forwarded-proto'),
    x_forwarded_host: h.get('x-forwarded-host'),
    x_forwarded_for: h.get('x-forwarded-for'),
  };
}
