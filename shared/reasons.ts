import type { Lang, Text } from './i18n.js';

/**
 * Why a device is not online, as people read it. A reason travels as a code plus parameters (set by the
 * hub, a poller or an agent); this phrasebook turns it into Vietnamese or English. The raw technical text
 * (what a poller's library said) travels beside it, for commune IT. Node-free: the dashboard and
 * notifications both use it, so they cannot say it differently.
 */
export type ReasonParams = Record<string, string | number>;

type Phrase = Text | ((p: ReasonParams) => Text);

const phrases: Record<string, Phrase> = {
  timeout: { vi: 'không nhận được tín hiệu từ thiết bị', en: 'no signal from the device' },
  lwt: { vi: 'thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)', en: 'the device dropped its connection suddenly (power or network loss)' },
  parent: { vi: 'thiết bị cha mất kết nối', en: 'the device it depends on is offline' },
  maintenance: { vi: 'đang bảo trì', en: 'under maintenance' },
};

/** The reason codes this phrasebook knows. */
export function knownReason(code: string): boolean {
  return code in phrases;
}

/** The reason in words, or null for a code this phrasebook does not know (show the raw text then). */
export function reasonText(code: string, params: ReasonParams | undefined, lang: Lang): string | null {
  const p = phrases[code];
  if (!p) return null;
  return (typeof p === 'function' ? p(params ?? {}) : p)[lang];
}
