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
