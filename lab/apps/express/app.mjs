// The lab's Express 4 app. Every URL the browser loads is built absolute from the request, the way
// real apps build canonical links, OAuth redirect_uri values and login redirects:
//   `${req.protocol}://${req.get('host')}${path}`
// Express derives `req.protocol` / `req.secure` from X-Forwarded-Proto only when `trust proxy` trusts the
// socket peer (proxy-addr), so behind a TLS-terminating proxy an unset `trust proxy` yields http:// links
// (mixed content, http redirects), and `trust proxy = true` on an exposed port lets anyone claim https.
//
// A scenario's entry file (rendered from lab/scenarios/12-*/server.mjs) imports `createLabApp`, sets
// `trust proxy` (or installs @proxyproof/forwarded) in plain sight — so `proxyproof lint` reads exactly what
// ran — and calls `listenLab`.
import express from 'express';

/** @typedef {(req: import('express').Request) => { scheme: string, host: string, secure: boolean, client: string | undefined }} OriginOf */

/** What stock Express believes about the request (`req.protocol`, `Host`, `req.secure`, `req.ip`). */
export const expressOrigin = (req) => ({
  scheme: req.protocol,
  host: req.get('host') ?? '',
  secure: req.secure,
  client: req.ip,
});

/**
 * @param {{ originOf?: OriginOf, urlFor?: (req: import('express').Request, path: string) => string, setup?: (app: import('express').Express) => void }} [options]
 *   originOf: where the scheme/host come from (default: stock Express); urlFor: how an absolute URL is built
 *   (default: `${scheme}://${host}${path}` from originOf); setup: runs before the routes (e.g. a middleware
 *   that resolves forwarded headers).
 */
export function createLabApp(options = {}) {
  const originOf = options.originOf ?? expressOrigin;
  const app = express();
  app.disable('x-powered-by');
  options.setup?.(app);
  /** The same keys as the lab's Django and Flask apps (`seen`), so tests read every app alike. */
  const whatTheAppSees = (req) => {
    const o = originOf(req);
    return {
      scheme: o.scheme,
      is_secure: o.secure,
      build_absolute_uri: abs(req, req.originalUrl),
      get_host: o.host,
      remote_addr: o.client ?? null,
      peer_addr: req.socket.remoteAddress ?? null,
      trust_proxy: app.get('trust proxy') ?? null,
      x_forwarded_proto: req.get('x-forwarded-proto') ?? null,
      x_forwarded_for: req.get('x-forwarded-for') ?? null,
      x_forwarded_host: req.get('x-forwarded-host') ?? null,
      forwarded: req.get('forwarded') ?? null,
      path: req.originalUrl,
    };
  };
  const abs =
    options.urlFor ??
    ((req, path) => {
      const o = originOf(req);
      return `${o.scheme}://${o.host}${path}`;
    });

  app.get('/', (req, res) => {
    const o = originOf(req);
    res.cookie('labsession', '1', { httpOnly: true, sameSite: 'lax', secure: o.secure });
    res.type('html').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>proxyproof lab: express</title>
<link rel="stylesheet" href="${abs(req, '/static/site.css')}">
<script src="${abs(req, '/static/site.js')}"></script>
</head>
<body>
<h1 id="title">Express behind a proxy</h1>
<p>protocol: <span id="scheme">${o.scheme}</span>, secure: <span id="secure">${o.secure}</span></p>
<form id="form" method="post" action="${abs(req, '/login')}">
<input name="user" value="lab"><button type="submit">log in</button>
</form>
<a id="account" href="${abs(req, '/account')}">account</a>
<script type="application/json" id="seen">${JSON.stringify(whatTheAppSees(req), null, 2).replace(/</g, '\\u003c')}</script>
</body>
</html>
`);
  });

  const login = (req, res) => res.redirect(302, abs(req, '/account'));
  app.get('/login', login);
  app.post('/login', login);
  app.get('/account', (_req, res) => {
    res.type('html').send("<!doctype html><title>account</title><p id='account-page'>account</p>");
  });
  app.get('/whoami', (req, res) => res.json(whatTheAppSees(req)));
  app.get('/healthz', (_req, res) => res.type('text').send('ok'));
  app.use('/static', express.static(new URL('./public/', import.meta.url).pathname, { maxAge: 0 }));
  return app;
}

/**
 * Listens on host:port; exits on SIGTERM/SIGINT. A bad port or bind address ends the process with a message.
 * @param {import('express').Express} app
 */
export function listenLab(app, host, port) {
  const server = app.listen(Number(port), host, () => {
    console.log(`express lab app listening on ${host}:${port} (trust proxy: ${JSON.stringify(app.get('trust proxy'))})`);
  });
  server.on('error', (err) => {
    console.error(`express lab app: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10000;
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}
