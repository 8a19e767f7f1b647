import { Duplex } from 'node:stream';

/** Why a connection was closed by the guard, for the log and the counters. */
export type GuardRefusal = 'packet-too-large' | 'not-connect-first' | 'malformed-length';

export interface PacketGuardOptions {
  /** Largest packet (fixed header + remaining length) accepted. */
  maxPacketBytes: number;
  onRefuse: (why: GuardRefusal, detail: string) => void;
}

const CONNECT = 1;

/**
 * Reads MQTT framing as bytes enter, before aedes buffers anything (aedes has no packet-size option:
 * moscajs/aedes#831): every packet's fixed header announces its remaining length (MQTT-2.2.3, a 1–4 byte
 * variable length), so a packet larger than `maxPacketBytes` is refused as soon as its header arrives and
 * the connection is closed — a 200 MB announcement costs a few bytes, not 200 MB. The first packet must be
 * CONNECT (MQTT-3.1.0-1). Bytes pass through unchanged.
 */
export class PacketGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private first = true;
  private refused = false;

  constructor(private readonly opts: PacketGuardOptions) {}

  /** Inspects a chunk; false when the connection must be closed (onRefuse was called). */
  check(chunk: Buffer): boolean {
    if (this.refused) return false;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 'type') {
        this.type = byte >> 4;
        if (this.first && this.type !== CONNECT) return this.refuse('not-connect-first', `first packet has type ${this.type}, expected CONNECT`);
        this.first = false;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // Remaining length: 7 bits per byte, least significant first, at most 4 bytes (MQTT-2.2.3).
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes >= 4) return this.refuse('malformed-length', 'remaining length longer than 4 bytes');
        // More length bytes follow, so the length is at least what the next byte's place is worth.
        if (this.length + this.multiplier + 1 + this.lengthBytes > this.opts.maxPacketBytes) return this.tooLarge();
        continue;
      }
      if (this.length + 1 + this.lengthBytes > this.opts.maxPacketBytes) return this.tooLarge();
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'type' : 'body';
    }
    return true;
  }

  private tooLarge(): false {
    return this.refuse('packet-too-large', `packet of at least ${this.length + 1 + this.lengthBytes} bytes announced (type ${this.type}); the limit is broker.maxPacketBytes ${this.opts.maxPacketBytes}`);
  }

  private refuse(why: GuardRefusal, detail: string): false {
    this.refused = true;
    this.opts.onRefuse(why, detail);
    return false;
  }
}

/**
 * Wraps a socket (or any duplex: a WebSocket stream, a TLS socket) so every byte read passes the guard
 * first. Writes go straight through, waiting only when the socket asks to (backpressure both ways:
 * reading pauses while aedes is not asking for more). `remoteAddress` is kept for the broker's logs.
 */
export function guardStream(inner: Duplex, opts: PacketGuardOptions & { remoteAddress?: string | undefined }): Duplex & { remoteAddress?: string } {
  const guard = new PacketGuard(opts);
  const outer: Duplex & { remoteAddress?: string } = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (inner.destroyed) return cb();
      if (inner.write(chunk)) cb();
      else inner.once('drain', () => cb());
    },
    // aedes corks the stream while it writes a packet's parts (and many PUBACKs at once): hand them on
    // corked too, so the socket sends them in one write, as it would without the guard.
    writev(chunks: Array<{ chunk: Buffer }>, cb) {
      if (inner.destroyed) return cb();
      inner.cork();
      let ok = true;
      for (const c of chunks) ok = inner.write(c.chunk);
      inner.uncork();
      if (ok) cb();
      else inner.once('drain', () => cb());
    },
    final(cb) {
      inner.end();
      cb();
    },
    destroy(err, cb) {
      inner.destroy();
      cb(err);
    },
  });
  if (opts.remoteAddress !== undefined) outer.remoteAddress = opts.remoteAddress;
  inner.on('data', (chunk: Buffer) => {
    if (!guard.check(chunk)) {
      inner.destroy();
      outer.destroy();
      return;
    }
    if (!outer.push(chunk)) inner.pause();
  });
  inner.once('end', () => outer.push(null));
  inner.once('close', () => outer.destroy());
  inner.on('error', () => outer.destroy());
  return outer;
}
