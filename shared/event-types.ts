import type { Lang, Text } from './i18n.js';

/**
 * Device event types (the `event` MQTT channel, docs/mqtt.md) as people read them. Node-free: the
 * dashboard's event list and the alert texts share it. A type not listed here is shown as sent.
 */
const types: Record<string, Text> = {
  // What the hub's pollers publish when a device's facts (model, firmware…) change.
  info: { vi: 'thông tin thiết bị thay đổi', en: 'device details changed' },
  boot: { vi: 'thiết bị khởi động lại', en: 'the device restarted' },
  reboot: { vi: 'thiết bị khởi động lại', en: 'the device restarted' },
  config: { vi: 'cấu hình thay đổi', en: 'configuration changed' },
  tamper: { vi: 'có người can thiệp vào thiết bị', en: 'someone tampered with the device' },
  power: { vi: 'sự cố nguồn điện', en: 'power problem' },
  disk: { vi: 'sự cố ổ đĩa', en: 'disk problem' },
};

/** The event type in words; the type as sent when it is not a known one. */
export function eventTypeText(type: string, lang: Lang): string {
  return types[type]?.[lang] ?? type;
}

export const eventSeverities = ['info', 'warning', 'critical'] as const;
export type EventSeverity = (typeof eventSeverities)[number];

export function isEventSeverity(v: unknown): v is EventSeverity {
  return typeof v === 'string' && (eventSeverities as readonly string[]).includes(v);
}

/** Names of the facts a poller's `info` event carries (each driver's `info` result). */
const facts: Record<string, Text> = {
  manufacturer: { vi: 'Hãng', en: 'Manufacturer' },
  model: { vi: 'Mẫu', en: 'Model' },
  firmware: { vi: 'Phần mềm (firmware)', en: 'Firmware' },
  sysDescr: { vi: 'Mô tả hệ thống', en: 'System description' },
  interface: { vi: 'Giao diện mạng', en: 'Network interface' },
};

/**
 * An event's message as people read it: the pollers send a device's facts as a JSON object, shown as
 * "Hãng: Hikvision · Mẫu: DS-2CD…"; any other message is shown as sent.
 */
export function eventMessageText(message: string, lang: Lang): string {
  if (!message.startsWith('{')) return message;
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return message;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return message;
  const parts = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => (typeof x === 'string' && x !== '') || typeof x === 'number')
    .map(([k, x]) => `${facts[k]?.[lang] ?? k}: ${String(x)}`);
  return parts.length > 0 ? parts.join(' · ') : message;
}
