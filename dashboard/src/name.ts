/**
 * There are no user accounts yet: acknowledgements and maintenance windows carry the name the person
 * types. It is remembered on this phone so it is typed once.
 */
const KEY = 'langso.name';

export function rememberedName(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberName(name: string): void {
  try {
    localStorage.setItem(KEY, name.trim());
  } catch {
    // Private mode: typed again next time.
  }
}
