// Free TCP ports: bound-and-released on 127.0.0.1 (the kernel picks an unused one).
import { createServer } from 'node:net';

const handedOut = new Set<number>();

export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen({ host: address, port: 0, exclusive: true }, () => {
        const a = srv.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found on 127.0.0.1');
}

/**
 * freePort() releases its probe socket before the program binds, so another process can take the port in
 * between. The program then fails to bind and says so; such a start is retried with new ports, at most this many
 * times (the runner's scenarios, and onFreePort below).
 */
export const PORT_RACE_ATTEMPTS = 3;
/**
 * How nginx, Apache, HAProxy, Caddy, gunicorn, uvicorn, waitress, uWSGI, Node, Puma, Tomcat... say a port is taken
 * (and proc.ts waitForTcp, when another process listens on it).
 */
export const ADDRESS_IN_USE = /address already in use|EADDRINUSE|errno 98|cannot bind socket|connection in use|bindexception/i;

/**
 * `start(port)` on a port from freePort() (or `portSource`); a start that fails saying its port is taken
 * (freePort's race) is tried again on a new port, at most PORT_RACE_ATTEMPTS times in all. Any other failure, and
 * the last one, is thrown as it is. For a test's own single-port program (the runner retries whole scenarios).
 */
export async function onFreePort<T>(
  start: (port: number) => Promise<T>,
  opts: { portSource?: () => Promise<number>; attempts?: number } = {},
): Promise<T> {
  const attempts = opts.attempts ?? PORT_RACE_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const port = await (opts.portSource ?? freePort)();
    try {
      return await start(port);
    } catch (e) {
      if (attempt >= attempts || !ADDRESS_IN_USE.test(String((e as Error)?.message ?? e))) throw e;
    }
  }
}
