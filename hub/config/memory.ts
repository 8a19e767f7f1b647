import { z } from 'zod';

/** How the hub holds its memory (hub/core/heap.ts, docs/benchmarks.md "Memory"). */
export const memorySchema = z.strictObject({
  /**
   * Keep V8's heap small while the hub is quiet: the young generation is not grown and the old one is
   * collected closer to its live size. false: V8's own sizing at all times (more memory, no fewer messages).
   */
  compactHeap: z.boolean().default(true),
  /** MQTT messages a second above which V8's own sizing is used even with `compactHeap` (bursts, catching up). */
  busyPerS: z.number().int().positive().max(1_000_000).default(1_000),
});

export type MemoryConfig = z.infer<typeof memorySchema>;
