import type { Server } from 'node:net';

/** A listener that could not bind; names the port and the setting that changes it. */
export class ListenError extends Error {
  constructor(
    readonly port: number,
    readonly setting: string,
    readonly envVar: string,
    readonly code: string | undefined,
  ) {
    const what =
      code === 'EADDRINUSE'
        ? `port ${port} is already in use (another program, or another hub, is listening on it)`
        : code === 'EACCES'
          ? `no permission to listen on port ${port}`
          : `cannot listen on port ${port} (${code ?? 'unknown error'})`;
    super(`${setting}: ${what}. Change "${setting}" in the configuration or set ${envVar}=<port>.`);
    this.name = 'ListenError';
  }
}

/**
 * Listens and resolves with the bound port; a failure to bind rejects with a ListenError naming the
 * setting. The server keeps an error handler for its whole life: an error after it is listening (an
 * accept failing with EMFILE when many devices reconnect at once) goes to `onError`, and the process
 * goes on — an EventEmitter "error" without a listener would end it. Without `onError` such an error
 * becomes a process warning (tools and tests); the hub always passes one that counts it.
 */
export function listen(
  server: Server,
  port: number,
  host: string,
  setting: string,
  envVar: string,
  onError: (err: NodeJS.ErrnoException) => void = (err) => process.emitWarning(`${setting}: ${err.message}`),
): Promise<number> {
  return new Promise((resolve, reject) => {
    let bound = false;
    const onListening = () => {
      bound = true;
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (bound) return onError(err);
      server.off('listening', onListening);
      reject(new ListenError(port, setting, envVar, err.code));
    });
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
