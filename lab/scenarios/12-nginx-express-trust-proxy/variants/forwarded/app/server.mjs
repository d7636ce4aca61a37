// @proxyproof/forwarded instead of `trust proxy`: X-Forwarded-* / Forwarded are read only when the socket peer
// is the proxy host, and every absolute URL is built from the resolution (like Django's build_absolute_uri).
import { absoluteUrl, authorityOf, expressForwarded, isSecure } from '@proxyproof/forwarded';
import { createLabApp, listenLab } from './app.mjs';

const app = createLabApp({
  setup: (a) => a.use(expressForwarded({ trust: ['{{PROXY_INNER_ADDR}}'] })),
  originOf: (req) => ({
    scheme: req.forwarded.scheme,
    host: authorityOf(req.forwarded) ?? '',
    secure: isSecure(req),
    client: req.forwarded.clientAddress,
  }),
  urlFor: (req, path) => absoluteUrl(req, path),
});
listenLab(app, '{{APP_BIND}}', {{APP_PORT}});
