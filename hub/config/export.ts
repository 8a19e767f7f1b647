import { z } from 'zod';

/**
 * Exports to the tools commune IT already runs: Home Assistant (MQTT discovery, off by default) and
 * Prometheus (`GET /metrics`: a logged-in admin, or a scraper presenting `prometheus.token`).
 */
export const homeAssistantSchema = z.strictObject({
  /** Announce every configured device to Home Assistant over MQTT discovery (retained config messages). */
  enabled: z.boolean().default(false),
  /** Home Assistant's `discovery_prefix` (its MQTT integration's setting). */
  discoveryPrefix: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected one topic level: letters, digits, "_" and "-" (Home Assistant\'s default is homeassistant)')
    .default('homeassistant'),
});

/** Long enough that guessing is hopeless; random ones come from `openssl rand -hex 24`. */
export const PROMETHEUS_TOKEN_MIN = 24;

export const prometheusSchema = z.strictObject({
  /**
   * A scraper sending `Authorization: Bearer <token>` may read /metrics without a login. Unset: only a
   * logged-in admin may. Never logged or shown (it is masked like every other secret of the configuration).
   */
  token: z
    .string()
    .min(PROMETHEUS_TOKEN_MIN, `expected at least ${PROMETHEUS_TOKEN_MIN} characters: make one with "openssl rand -hex 24"`)
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces (it travels in an HTTP header)')
    .optional(),
});

export const exportSchema = z.strictObject({
  homeassistant: homeAssistantSchema.default(homeAssistantSchema.parse({})),
  prometheus: prometheusSchema.default(prometheusSchema.parse({})),
});

export type HomeAssistantConfig = z.infer<typeof homeAssistantSchema>;
export type ExportConfig = z.infer<typeof exportSchema>;
