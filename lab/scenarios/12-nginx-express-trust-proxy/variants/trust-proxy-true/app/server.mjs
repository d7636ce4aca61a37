// The "works for me" fix: trust every peer. Behind nginx the links are right — but the port is bound on all
// interfaces, and anyone who reaches it directly can claim https (or any client IP) with a header.
import { createLabApp, listenLab } from './app.mjs';

const app = createLabApp();
app.set('trust proxy', true);
listenLab(app, '{{APP_BIND}}', {{APP_PORT}});
