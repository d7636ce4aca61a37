// The fix: trust X-Forwarded-* only from the proxy host's address. A client reaching the exposed port directly
// cannot change req.protocol.
import { createLabApp, listenLab } from './app.mjs';

const app = createLabApp();
app.set('trust proxy', '{{PROXY_INNER_ADDR}}');
listenLab(app, '{{APP_BIND}}', {{APP_PORT}});
