import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { prettyLine } from './log-pretty.js';

export type Logger = PinoLogger;

export const logFormats = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof logFormats)[number];

export interface LoggerOptions {
  /** `auto` (the default): short coloured lines on a terminal, JSON lines otherwise (a pipe, a file, journald). */
  format?: LogFormat;
  /** Applied to every finished line, so no line carries a configured secret, whatever module wrote it. */
  redact?: (line: string) => string;
  /** Whether the destination is a terminal; defaults to stdout's. */
  isTty?: boolean;
}

/** Resolves `auto` against the destination: pretty on a terminal, JSON elsewhere. */
export function resolveFormat(format: LogFormat, isTty: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTty ? 'pretty' : 'json') : format;
}

/**
 * The hub's logger (pino). Lines go through one small destination that redacts secrets and, for
 * people at a terminal, rewrites the JSON as `HH:MM:SS LEVEL module message key=value`.
 */
export function createLogger(level: string, destination?: DestinationStream, opts: LoggerOptions = {}): Logger {
  const out = destination ?? pino.destination({ dest: 1, sync: false });
  const isTty = opts.isTty ?? (destination === undefined && process.stdout.isTTY === true);
  // A given destination (tests, tools) keeps JSON unless a format is asked for.
  const format = resolveFormat(opts.format ?? (destination ? 'json' : 'auto'), isTty);
  const colour = format === 'pretty' && isTty && !process.env.NO_COLOR;
  const { redact } = opts;
  if (format === 'json' && !redact) return pino({ level, base: { app: 'langso' } }, out);
  const stream: DestinationStream = {
    write(line: string) {
      const safe = redact ? redact(line) : line;
      out.write(format === 'pretty' ? prettyLine(safe, colour) : safe);
    },
  };
  return pino({ level, base: { app: 'langso' } }, stream);
}
