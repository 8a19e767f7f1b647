import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { app: 'langso' } }, destination ?? pino.destination({ dest: 1, sync: false }));
}
