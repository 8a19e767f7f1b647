import mqtt, { type MqttClient } from 'mqtt';

export interface LoadPlan {
  url: string;
  clients: number;
  messagesPerClient: number;
  /** Outstanding QoS 1 publishes per client. */
  window: number;
  topicFor(client: number): string;
  payloadFor(client: number, i: number): string;
}

export async function connectAll(url: string, n: number, prefix: string): Promise<MqttClient[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => mqtt.connectAsync(url, { clientId: `${prefix}-${i}`, reconnectPeriod: 0, clean: true })),
  );
}

/** Publishes the plan with QoS 1 from every client at once; resolves when every PUBACK has arrived. */
export async function publishAll(clients: MqttClient[], plan: LoadPlan): Promise<void> {
  await Promise.all(
    clients.map(
      (c, ci) =>
        new Promise<void>((resolve, reject) => {
          let sent = 0;
          let acked = 0;
          const topic = plan.topicFor(ci);
          const pump = () => {
            while (sent < plan.messagesPerClient && sent - acked < plan.window) {
              const i = sent++;
              c.publish(topic, plan.payloadFor(ci, i), { qos: 1 }, (err) => {
                if (err) return reject(err);
                acked++;
                if (acked === plan.messagesPerClient) resolve();
                else pump();
              });
            }
          };
          pump();
        }),
    ),
  );
}

export async function endAll(clients: MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync()));
}
