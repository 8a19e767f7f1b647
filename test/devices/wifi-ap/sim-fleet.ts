/**
 * Runs N simulated APs in a process of their own, so a benchmark measures the poller's CPU only.
 * Usage: node --import tsx sim-fleet.ts N — prints {"ports":[...]} and runs until stdin closes.
 */
import { startSimulatedAp, type SimulatedAp } from '../../../devices/wifi-ap/simulator.js';

const n = Number(process.argv[2] ?? '200');
const aps: SimulatedAp[] = [];
for (let i = 0; i < n; i++) {
  const ap = await startSimulatedAp({ community: 'langso-ro', clients: i % 40 });
  ap.set({ rxBps: 10_000 + i, txBps: 100_000 + i });
  aps.push(ap);
}
process.stdout.write(`${JSON.stringify({ ports: aps.map((a) => a.port) })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all(aps.map((a) => a.close())).then(() => process.exit(0));
});
