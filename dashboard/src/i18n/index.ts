import { useEffect, useState } from 'preact/hooks';
import { en } from './en';
import { vi, type MessageKey } from './vi';

export type { MessageKey };
export type Lang = 'vi' | 'en';

const dictionaries: Record<Lang, Record<MessageKey, string>> = { vi, en };
const STORAGE_KEY = 'langso.lang';
/** BCP 47 tags for Intl formatting. */
export const localeOf: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };

function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === 'vi' || v === 'en') return v;
  } catch {
    // Private mode or disabled storage: fall back to the cookie, else the default.
  }
  try {
    // The hub drew the page in the cookie's language: the app keeps it rather than flip back.
    const c = /(?:^|; )langso_lang=(vi|en)(?:;|$)/.exec(document.cookie)?.[1];
    if (c === 'vi' || c === 'en') return c;
  } catch {
    // No document (a test in Node) or cookies disabled.
  }
  return 'vi';
}

/**
 * The choice also goes into a cookie, the one place the hub can read it: the page it draws for a logged-in
 * user (hub/web/first-view.ts) is then in this language from the first paint. Written again at each start,
 * so a choice made before the cookie existed reaches the hub from the next visit on.
 */
function rememberForHub(lang: Lang): void {
  try {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    if (!document.cookie.split('; ').includes(`langso_lang=${lang}`)) document.cookie = `langso_lang=${lang}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  } catch {
    // Cookies disabled: the first paint is Vietnamese, then the script switches.
  }
}

let current: Lang = storedLang();
rememberForHub(current);
const listeners = new Set<(lang: Lang) => void>();

export function getLang(): Lang {
  return current;
}

export function locale(): string {
  return localeOf[current];
}

export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not persisted; the switch still applies to this page.
  }
  rememberForHub(lang);
  document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

/** Translates a key, replacing `{name}` placeholders from params. Unknown placeholders stay visible. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[current][key] ?? vi[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/**
 * Like t(), but placeholders may be elements (a link inside a sentence): returns the pieces in order,
 * so each language keeps its own word order around the element.
 */
export function tParts<T>(key: MessageKey, params: Record<string, T | string | number>): Array<T | string> {
  const text = dictionaries[current][key] ?? vi[key] ?? key;
  const out: Array<T | string> = [];
  let last = 0;
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    const name = m[1]!;
    if (!(name in params)) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    const v = params[name]!;
    out.push(typeof v === 'number' ? String(v) : v);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Keys for kinds and states come from the server; unknown ones fall back to a readable label. */
export function hasKey(key: string): key is MessageKey {
  return key in vi;
}

/** Re-renders the calling component when the language changes. */
export function useLang(): Lang {
  const [lang, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    return () => {
      listeners.delete(set);
    };
  }, []);
  return lang;
}
