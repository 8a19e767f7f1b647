/**
 * Imported first by the command line (hub/cli.ts): the compact heap flags (hub/core/heap.ts) from the
 * very start. Loading the hub's modules and starting hundreds of devices allocates fast enough for V8 to
 * grow its young generation to the maximum within a second, and once grown it stays. The hub's
 * HeapTuning takes over when the configuration is read (V8's defaults with `memory.compactHeap: false`).
 */
import v8 from 'node:v8';
import { COMPACT_FLAGS } from './heap.js';

v8.setFlagsFromString(COMPACT_FLAGS);
