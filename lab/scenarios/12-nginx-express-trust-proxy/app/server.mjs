// The Express app behind nginx, as first deployed: `trust proxy` is not set (Express's default trusts no
// proxy), so req.protocol is the scheme of nginx's plain-HTTP connection: http.
import { createLabApp, listenLab } from './app.mjs';

const app = createLabApp();
listenLab(app, '{{APP_BIND}}', {{APP_PORT}});
