import type { MetricPoint } from './types.js';

/** The metric writer's spool on disk: JSON-lines files `spool-<seq>.jsonl`, replayed in `seq` order. */

export interface SpoolFile {
  seq: number;
  path: string;
  count: number;
}

export const SPOOL_NAME = /^spool-(-?\d+)\.jsonl$/;

/** Parses one spool line; torn or foreign lines give null. */
export function parseLine(line: string): MetricPoint | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.village !== 'string' || typeof o.device !== 'string' || typeof o.kind !== 'string') return null;
  if (typeof o.ts !== 'number') return null;
  if (o.measurement === 'telemetry' && typeof o.fields === 'object' && o.fields !== null) return o as unknown as MetricPoint;
  if (o.measurement === 'availability' && typeof o.state === 'string') return o as unknown as MetricPoint;
  if (o.measurement === 'event' && typeof o.type === 'string' && typeof o.severity === 'string') return o as unknown as MetricPoint;
  return null;
}
