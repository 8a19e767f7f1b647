import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../hub/config/load.js';
import { createLogger, resolveFormat } from '../../hub/core/log.js';
import { prettyLine } from '../../hub/core/log-pretty.js';

/** A pino destination that keeps what it is given. */
function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

describe('log output', () => {
  it('pretty: one short line, HH:MM:SS LEVEL module message key=value', () => {
    const out = capture();
    const log = createLogger('info', out, { format: 'pretty', isTty: false });
    log.child({ module: 'broker' }).info({ tcp: 1883, ws: 9001 }, 'mqtt broker listening');
    log.warn({ channel: 'doi-so', err: 'HTTP 502 Bad Gateway' }, 'delivery failed');
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}broker {2}mqtt broker listening tcp=1883 ws=9001\n$/);
    expect(out.lines[1]).toMatch(/^\d\d:\d\d:\d\d WARN {2}hub {5}delivery failed channel=doi-so err="HTTP 502 Bad Gateway"\n$/);
    // No colour codes when the output is not a terminal.
    expect(out.lines.join('')).not.toContain('\x1b[');
  });

  it('pretty on a terminal is coloured; an Error shows its message', () => {
    const out = capture();
    const log = createLogger('info', out, { format: 'pretty', isTty: true });
    log.error({ err: new Error('disk I/O error') }, 'write failed');
    expect(out.lines[0]).toContain('\x1b[31mERROR');
    expect(out.lines[0]).toContain('"disk I/O error"');
  });

  it('auto is pretty on a terminal and JSON lines elsewhere; json is JSON everywhere', () => {
    expect(resolveFormat('auto', true)).toBe('pretty');
    expect(resolveFormat('auto', false)).toBe('json');
    expect(resolveFormat('json', true)).toBe('json');
    const out = capture();
    createLogger('info', out, { format: 'auto', isTty: false }).info({ a: 1 }, 'hello');
    expect(JSON.parse(out.lines[0] ?? '')).toMatchObject({ level: 30, msg: 'hello', a: 1, app: 'langso' });
  });

  it('redacts every line, whatever a module put in it', () => {
    const out = capture();
    const log = createLogger('info', out, { format: 'json', redact: (l) => l.replaceAll('hunter22', '***') });
    log.child({ url: 'http://x:hunter22@h' }).info({ detail: { deep: ['hunter22'] } }, 'password hunter22');
    expect(out.lines[0]).not.toContain('hunter22');
    expect(out.lines[0]).toContain('***');
  });

  it('logFormat is a setting (auto by default) and LANGSO_LOG_FORMAT overrides it', () => {
    expect(parseConfig('{}', 'test').logFormat).toBe('auto');
    expect(parseConfig('logFormat: json', 'test').logFormat).toBe('json');
    expect(parseConfig('logFormat: json', 'test', { LANGSO_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => parseConfig('{}', 'test', { LANGSO_LOG_FORMAT: 'fancy' })).toThrow(/logFormat: .*"auto"\|"json"\|"pretty"/);
  });

  it('a line that is not JSON passes through as it is', () => {
    expect(prettyLine('plain text', false)).toBe('plain text\n');
  });
});
