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

export function listen(server: Server, port: number, host: string, setting: string, envVar: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new ListenError(port, setting, envVar, err.code));
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
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
