/**
 * Secrets never leave the hub (no password or token in a response, log line or notification): one
 * redaction used by the start-up banner, the logger, the Internet-link reasons and the pollers'
 * reasons. Two rules: a URL's userinfo (`http://user:pass@host`) becomes `***`, and every secret value
 * found in the configuration is replaced by `***` wherever it appears.
 */

export const MASK = '***';

/** `scheme://userinfo@` anywhere in a text: error messages quote the URL they failed on. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;

/** Settings whose value is a credential, wherever they are in the configuration. */
const SECRET_KEYS = new Set(['password', 'pass', 'secret', 'token', 'authkey', 'privkey', 'community', 'apikey']);

/**
 * SNMP's factory communities are not secrets, and masking such common words would mangle every line
 * that contains them; values this short would do the same.
 */
const NOT_SECRET = new Set(['public', 'private']);
const MIN_SECRET_LENGTH = 4;

/** The URL with its userinfo replaced, for a text that is one URL or quotes some. */
export function redactUrls(text: string): string {
  return text.replace(URL_USERINFO, `$1${MASK}@`);
}

/** Every credential in a configuration document: secret-named settings and passwords inside URLs. */
export function secretsOf(doc: unknown): string[] {
  const found = new Set<string>();
  const add = (v: string) => {
    if (v.length >= MIN_SECRET_LENGTH && !NOT_SECRET.has(v.toLowerCase())) found.add(v);
  };
  const visit = (v: unknown, key: string | null): void => {
    if (typeof v === 'string') {
      if (key !== null && SECRET_KEYS.has(key.toLowerCase())) add(v);
      for (const p of urlPasswords(v)) add(p);
    } else if (typeof v === 'number' && key !== null && SECRET_KEYS.has(key.toLowerCase())) {
      add(String(v));
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, null);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) visit(x, k);
    }
  };
  visit(doc, null);
  return [...found];
}

function urlPasswords(text: string): string[] {
  if (!text.includes('@') || !text.includes('://')) return [];
  try {
    const u = new URL(text);
    if (!u.password) return [];
    let decoded = u.password;
    try {
      decoded = decodeURIComponent(u.password);
    } catch {
      // keep the raw form
    }
    return [u.password, decoded];
  } catch {
    return [];
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces known secrets and URL userinfo in texts. Built once from the configuration by the
 * composition root; `text` is cheap enough for every log line.
 */
export class Redactor {
  private readonly pattern: RegExp | null;

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const s of secrets) {
      if (s.length === 0) continue;
      forms.add(s);
      // As it appears inside a JSON string (a log line, an API body): quotes and backslashes escaped.
      const json = JSON.stringify(s).slice(1, -1);
      if (json !== s) forms.add(json);
      const encoded = encodeURIComponent(s);
      if (encoded !== s) forms.add(encoded);
    }
    // Longest first, so a secret that contains another is masked whole.
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.pattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRe).join('|'), 'g') : null;
  }

  static fromConfig(doc: unknown): Redactor {
    return new Redactor(secretsOf(doc));
  }

  /** The text without configured secrets or URL userinfo. */
  text(s: string): string {
    const masked = this.pattern ? s.replace(this.pattern, MASK) : s;
    return redactUrls(masked);
  }

  /** A JSON-like value with every string redacted (API bodies, event payloads). */
  value<T>(v: T): T {
    if (typeof v === 'string') return this.text(v) as T;
    if (Array.isArray(v)) return v.map((x: unknown) => this.value(x)) as T;
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x)])) as T;
    }
    return v;
  }
}
