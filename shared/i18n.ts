/** The interface languages: Vietnamese first, English second. Node-free: the hub and the dashboard share it. */
export const languages = ['vi', 'en'] as const;
export type Lang = (typeof languages)[number];

/** A text a person reads, in every interface language. */
export interface Text {
  vi: string;
  en: string;
}

/** BCP 47 tags for Intl formatting. */
export const localeOf: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };
