/**
 * A Traefik 1.x static file for the 1.x tests: `http` redirects to `https` (TLS); `https` gets `fh` (its
 * forwardedHeaders lines) or nothing; `after` is appended (a `[docker]` section...). `address = ":443"` is line 9.
 */
export const traefikV1Static = (fh = '', after = '') => `defaultEntryPoints = ["http", "https"]

[entryPoints]
  [entryPoints.http]
  address = ":80"
    [entryPoints.http.redirect]
    entryPoint = "https"
  [entryPoints.https]
  address = ":443"
${fh}    [entryPoints.https.tls]
${after}`;
