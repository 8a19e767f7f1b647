/**
 * Turns one pino JSON line into a short line a person reads on a terminal:
 * `14:02:03 WARN  notify  delivery failed channel=doi-so err="HTTP 502"`.
 * Small on purpose (pino-pretty pulls in many packages for what the hub needs here).
 */

const LEVELS: Record<number, { name: string; colour: string }> = {
  10: { name: 'TRACE', colour: '90' },
  20: { name: 'DEBUG', colour: '90' },
  30: { name: 'INFO', colour: '32' },
  40: { name: 'WARN', colour: '33' },
  50: { name: 'ERROR', colour: '31' },
  60: { name: 'FATAL', colour: '41;97' },
};

/** Keys shown elsewhere on the line, or the same on every line. */
const HIDDEN = new Set(['level', 'time', 'msg', 'app', 'pid', 'hostname', 'module']);

const pad2 = (n: number): string => String(n).padStart(2, '0');

function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** A value as `key=value` shows it: bare when it is one simple word, quoted or JSON otherwise. */
function show(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  // pino's error serializer: the message is what a person needs on one line.
  if (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string') {
    return JSON.stringify((v as { message: string }).message);
  }
  return JSON.stringify(v);
}

export function prettyLine(line: string, colour: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const paint = (code: string, s: string): string => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const level = LEVELS[typeof o.level === 'number' ? o.level : 30] ?? { name: String(o.level), colour: '0' };
  const time = typeof o.time === 'number' ? clock(o.time) : '--:--:--';
  const module = typeof o.module === 'string' ? o.module : 'hub';
  const msg = typeof o.msg === 'string' ? o.msg : '';
  const pairs = Object.entries(o)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${paint('2', `${k}=`)}${show(v)}`);
  return `${paint('2', time)} ${paint(level.colour, level.name.padEnd(5))} ${paint('36', module.padEnd(7))} ${msg}${pairs.length > 0 ? ` ${pairs.join(' ')}` : ''}\n`;
}
