import type { AedesPublishPacket, Client } from 'aedes';
import type { z } from 'zod';
import type { MqttBroker } from '../broker/broker.js';
import type { Channel } from '../broker/topics.js';
import type { HubContext } from '../context.js';
import type { DeviceRef, StatusReport } from '../core/domain.js';
import { eventPayloadSchema, readGoodTelemetry, statusPayloadSchema, telemetryPayloadSchema, type StatusPayload } from './payloads.js';
import type { Dismissals } from '../registry/dismissals.js';
import type { DeviceEntry } from '../registry/registry.js';
import { MetricNames } from './metric-names.js';

const OWNER = 'ingest';
/** One log line per (client, reason) per window; the rest are counted. A broken device must not flood the log. */
const LOG_WINDOW_MS = 10_000;
/** Timeout given to devices that publish without being configured. */
const UNREGISTERED_TIMEOUT_S = 120;

type Refusal = { ok: false; code: string; reason: string };
/** A parsed message: `emit` puts its events on the bus. */
type Accepted = { ok: true; emit: () => void };
type Outcome = Accepted | Refusal;
type Message = Pick<AedesPublishPacket, 'topic' | 'payload' | 'retain'>;

const nothing = (): void => undefined;

/**
 * MQTT message → validated domain event on the bus (DESIGN.md §1). A bad message is counted, logged
 * with the reason and dropped; the publishing client stays connected and the hub goes on.
 *
 * Messages from clients are judged in the broker's publish hook (`admit`), before the broker retains,
 * forwards or acknowledges them, so a refused one is none of these; an accepted one puts its events on
 * the bus there and then (the bus is synchronous: its points reach the metric writer in the same tick),
 * so the hook can hold the acknowledgement until they are safe on disk (docs/durability.md). Messages
 * that reach the broker some other way (the hub's own) are parsed at the publish event.
 */
export class Ingest {
  private unsubscribe: (() => void) | null = null;
  private readonly logWindow = new Map<string, { until: number; suppressed: number }>();
  /** Taken in by the broker's hook (their events are on the bus already). */
  private readonly admitted = new WeakSet<object>();
  private readonly names: MetricNames;

  constructor(
    private readonly ctx: HubContext,
    private readonly broker: MqttBroker,
    private readonly dismissals: Dismissals,
  ) {
    this.names = new MetricNames(ctx.config.limits);
  }

  start(): void {
    this.broker.setPublishCheck((packet, client) => this.admit(packet, client));
    this.unsubscribe = this.broker.onPublish((packet, client) => this.onPublish(packet, client));
  }

  stop(): void {
    this.broker.setPublishCheck(null);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.ctx.bus.offOwner(OWNER);
  }

  /**
   * The broker's check of a client's publish, before it is retained or forwarded: false refuses it (the
   * drop is counted and logged here, with the same reasons as ever).
   */
  admit(packet: Message, client: Client | null): boolean {
    // $SYS, homeassistant/… and other prefixes are not device traffic.
    if (!this.broker.topics.owns(packet.topic)) return true;
    const outcome = this.judge(packet);
    if (!outcome.ok) {
      this.dropped(packet.topic, client, outcome);
      return false;
    }
    this.admitted.add(packet);
    return this.accept(packet.topic, client, outcome);
  }

  private onPublish(packet: AedesPublishPacket, client: Client | null): void {
    if (!this.broker.topics.owns(packet.topic)) return;
    if (this.admitted.has(packet)) {
      this.admitted.delete(packet);
      return;
    }
    const outcome = this.judge(packet);
    if (!outcome.ok) return this.dropped(packet.topic, client, outcome);
    this.accept(packet.topic, client, outcome);
  }

  private accept(topic: string, client: Client | null, outcome: Accepted): boolean {
    try {
      outcome.emit();
    } catch (err) {
      // A bug in a listener must not take the broker down with it.
      this.dropped(topic, client, { ok: false, code: 'internal', reason: `internal error: ${(err as Error).message}` });
      return false;
    }
    this.ctx.counters.inc('ingest.accepted');
    return true;
  }

  /** Parses one message and, when it is good, emits its events; returns why it was dropped otherwise. */
  handle(packet: Message): { ok: true } | Refusal {
    const outcome = this.judge(packet);
    if (!outcome.ok) return outcome;
    outcome.emit();
    return { ok: true };
  }

  private judge(packet: Message): Outcome {
    try {
      return this.inspect(packet);
    } catch (err) {
      return { ok: false, code: 'internal', reason: `internal error: ${(err as Error).message}` };
    }
  }

  private dropped(topic: string, client: Client | null, outcome: Refusal): void {
    const { counters } = this.ctx;
    counters.inc('ingest.dropped');
    counters.inc(`ingest.dropped.${outcome.code}`);
    const clientId = client?.id ?? null;
    this.ctx.bus.emit('ingest-error', { topic, clientId, reason: outcome.reason, ts: this.ctx.clock.now() });
    this.logDrop(topic, clientId, outcome);
  }

  /** Parses one message: why it is refused, or how to emit its events. */
  private inspect(packet: Message): Outcome {
    const { config, clock, bus } = this.ctx;
    const parsed = this.broker.topics.parse(packet.topic);
    if (!parsed.ok) {
      // Our own `$hub` status goes through the broker too; it is not device traffic.
      if (parsed.reason === 'hub status topic') return { ok: true, emit: nothing };
      return { ok: false, code: 'topic', reason: `unknown topic: ${parsed.reason}` };
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (payload.length > config.broker.maxPayloadBytes) {
      return { ok: false, code: 'oversize', reason: `payload too large: ${payload.length} bytes > broker.maxPayloadBytes ${config.broker.maxPayloadBytes}` };
    }
    // An empty retained payload clears a retained status (MQTT-3.3.1-10): housekeeping, not an error.
    if (payload.length === 0 && parsed.channel === 'status') return { ok: true, emit: nothing };

    const { village, device } = parsed;
    const ref: DeviceRef = { village, device };
    const text = payload.toString('utf8');
    const body = decode(parsed.channel, text);
    if (!body.ok) return body;

    const now = clock.now();
    const known = this.ctx.devices.get(ref);
    // A dismissed device stays out until it says something newer than its dismissal.
    if (!known && !this.dismissals.admits(ref, claimedTs(body.value) ?? now, now)) {
      return { ok: false, code: 'dismissed', reason: 'unregistered device dismissed by an admin; this message is older than the dismissal' };
    }
    const entry = known ?? this.addUnregistered(ref, packet.topic);
    if (!entry) return { ok: false, code: 'unregistered_cap', reason: 'too many unregistered devices; message dropped' };
    // Only built when something listens (the uplink): a copy of every message's body otherwise made for nobody.
    const forwarded = bus.listenerCount('accepted') > 0;

    switch (parsed.channel) {
      case 'status': {
        const r = parse(statusPayloadSchema, body.value, 'status');
        if (!r.ok) return r;
        const report = { ...ref, ts: r.value.ts ?? now, state: r.value.state, ...statusReason(r.value) };
        return {
          ok: true,
          emit: () => {
            // Status before seen: a first message saying "offline" must not pass through "online".
            bus.emit('status', report);
            bus.emit('seen', { village, device, ts: now });
            if (forwarded) bus.emit('accepted', { village, device, channel: 'status', ts: report.ts, body: withTs(body.value, report.ts) });
          },
        };
      }
      case 'telemetry': {
        // A message with nothing wrong in it is read without the schema's wrapper (payloads.ts); the rest by the schema.
        const good = readGoodTelemetry(body.value);
        const r = good ? { ok: true as const, value: good } : parse(telemetryPayloadSchema, body.value, 'telemetry');
        if (!r.ok) return r;
        const names = this.names.admit(`${village}/${device}`, Object.keys(r.value.fields), entry.registered);
        if (!names.ok) return names;
        const reading = { village, device, kind: entry.kind, ts: r.value.ts ?? now, fields: r.value.fields };
        return {
          ok: true,
          emit: () => {
            bus.emit('seen', { village, device, ts: now });
            bus.emit('reading', reading);
            if (forwarded) bus.emit('accepted', { village, device, channel: 'telemetry', ts: reading.ts, body: withTs(body.value, reading.ts) });
          },
        };
      }
      case 'event': {
        const r = parse(eventPayloadSchema, body.value, 'event');
        if (!r.ok) return r;
        const event = {
          ...ref,
          ts: r.value.ts ?? now,
          type: r.value.type,
          severity: r.value.severity,
          ...(r.value.message ? { message: r.value.message } : {}),
        };
        return {
          ok: true,
          emit: () => {
            bus.emit('seen', { village, device, ts: now });
            bus.emit('device-event', event);
            if (forwarded) bus.emit('accepted', { village, device, channel: 'event', ts: event.ts, body: withTs(body.value, event.ts) });
          },
        };
      }
    }
  }

  /** A device not in the registry: listed as unregistered (undefined when too many are listed already). */
  private addUnregistered(ref: DeviceRef, topic: string): DeviceEntry | undefined {
    const { devices, bus, clock, counters, log } = this.ctx;
    const added = devices.addUnregistered(ref, UNREGISTERED_TIMEOUT_S);
    if (added) {
      counters.inc('ingest.unregistered_devices');
      log.warn({ village: ref.village, device: ref.device }, 'message from a device not in the configuration: listed as unregistered');
      bus.emit('unregistered', { ...ref, ts: clock.now(), topic });
    }
    return added;
  }

  private logDrop(topic: string, clientId: string | null, outcome: Refusal): void {
    const key = `${clientId ?? '-'}|${outcome.code}`;
    const now = this.ctx.clock.now();
    const w = this.logWindow.get(key);
    if (w && now < w.until) {
      w.suppressed++;
      return;
    }
    if (this.logWindow.size > 10_000) this.logWindow.clear();
    this.logWindow.set(key, { until: now + LOG_WINDOW_MS, suppressed: 0 });
    this.ctx.log.warn(
      { topic, clientId, code: outcome.code, ...(w?.suppressed ? { suppressedSinceLast: w.suppressed } : {}) },
      `dropped MQTT message: ${outcome.reason}`,
    );
  }
}

/**
 * The reason fields of a status report. A Last Will's "lwt" is a code even when sent as the reason
 * (the contract's LWT payload, from before codes existed).
 */
function statusReason(p: StatusPayload): Pick<StatusReport, 'reason' | 'reasonCode' | 'reasonParams'> {
  const code = p.code ?? (p.reason === 'lwt' ? 'lwt' : undefined);
  return {
    ...(p.reason ? { reason: p.reason } : {}),
    ...(code ? { reasonCode: code } : {}),
    ...(code && p.params && Object.keys(p.params).length > 0 ? { reasonParams: p.params } : {}),
  };
}

function decode(channel: Channel, text: string): { ok: true; value: unknown } | { ok: false; code: string; reason: string } {
  // Home Assistant style plain availability payloads.
  if (channel === 'status') {
    const plain = text.trim();
    if (plain === 'online' || plain === 'offline') return { ok: true, value: { state: plain } };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const hint = channel === 'status' ? ' (or the plain word online/offline)' : '';
    return { ok: false, code: 'json', reason: `${channel}: invalid JSON${hint}: ${(err as Error).message}` };
  }
}

/** The message as received (a JSON object once its schema passed), with the time it is from. */
function withTs(value: unknown, ts: number): Record<string, unknown> {
  return { ...(typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}), ts };
}

/** The time a message says it is from (its `ts`), before its schema is checked; undefined when it has none. */
function claimedTs(value: unknown): number | undefined {
  const ts = typeof value === 'object' && value !== null ? (value as { ts?: unknown }).ts : undefined;
  return typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined;
}

function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  channel: Channel,
): { ok: true; value: z.output<T> } | { ok: false; code: string; reason: string } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.map((i) => {
    const where = i.path.length ? `${channel}.${i.path.join('.')}` : channel;
    const msg = i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}` : i.message;
    return `${where}: ${msg}`;
  });
  return { ok: false, code: 'schema', reason: issues.slice(0, 5).join('; ') };
}
