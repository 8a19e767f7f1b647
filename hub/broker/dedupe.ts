import type { Client } from 'aedes';
import type { AedesPublishPacket } from 'aedes';

/** How many recent deliveries a client remembers to tell a second copy from a late first one. */
const REMEMBERED = 1024;

type Deliver = (packet: AedesPublishPacket, cb: () => void) => void;
interface DeliveringClient {
  duplicates: Record<string, number>;
  deliver0: Deliver;
  deliverQoS: Deliver;
}

/**
 * aedes drops a message for a client when its broker counter is not above the highest one that client
 * was sent ("dedupe", meant for copies from overlapping subscriptions). The counter is given when a
 * message enters the broker, but a retained message is delivered only after the on-disk broker state
 * has stored it (hub/broker/persistence.ts): a later message can overtake it, and the retained one is
 * then silently dropped for every subscriber (aedes issues #955, #994, open). So each client here keeps
 * its own record of the counters it was sent: a copy already sent is still dropped, a late one goes out.
 * Must run before the client subscribes: aedes captures the delivery functions at SUBSCRIBE.
 */
export function deliverLateMessages(client: Client): void {
  const c = client as unknown as DeliveringClient;
  const sent = new Set<string>();
  const order: string[] = [];
  // deliverQoS hands a message downgraded to QoS 0 on to deliver0: the same object, one delivery.
  const seen = new WeakSet<object>();
  const wrap = (deliver: Deliver): Deliver =>
    function deliverInAnyOrder(packet, cb) {
      if (seen.has(packet)) return deliver(packet, cb);
      seen.add(packet);
      const id = (packet as { brokerId?: string }).brokerId;
      const counter = (packet as { brokerCounter?: number }).brokerCounter ?? 0;
      if (id) {
        const key = `${id}:${counter}`;
        if (sent.has(key)) {
          c.duplicates[id] = Number.MAX_SAFE_INTEGER; // aedes' own check now drops this copy
        } else {
          c.duplicates[id] = counter - 1; // and lets a late first copy through
          sent.add(key);
          order.push(key);
          if (order.length > REMEMBERED) sent.delete(order.shift()!);
        }
      }
      deliver(packet, cb);
    };
  c.deliver0 = wrap(c.deliver0);
  c.deliverQoS = wrap(c.deliverQoS);
}
