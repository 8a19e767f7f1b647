import { createHash } from 'node:crypto';
import jpeg from 'jpeg-js';

/** Image health from a snapshot: how bright it is, and a hash to notice a picture that stopped changing. */
export interface ImageStats {
  width: number;
  height: number;
  /** Mean luma (BT.601), 0 (black) to 255 (white). */
  luma: number;
  /** Hash of the decoded pixels: a camera re-sending the same picture with new headers still matches. */
  hash: string;
}

export interface DecodeLimits {
  /** Refuse images above this many megapixels (a 4K snapshot is 8.3). */
  maxResolutionInMP?: number;
  /** Refuse images whose decoding would need more memory than this. */
  maxMemoryUsageInMB?: number;
}

export const DEFAULT_LIMITS: Required<DecodeLimits> = { maxResolutionInMP: 12, maxMemoryUsageInMB: 128 };

/** Decodes a JPEG and measures it; throws "Snapshot: not a JPEG image (…)" on a broken or oversized file. */
export function analyseJpeg(buf: Uint8Array, limits: DecodeLimits = {}): ImageStats {
  const l = { ...DEFAULT_LIMITS, ...limits };
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(buf, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: l.maxResolutionInMP,
      maxMemoryUsageInMB: l.maxMemoryUsageInMB,
    });
  } catch (err) {
    throw new Error(`Snapshot: not a JPEG image (${err instanceof Error ? err.message : String(err)})`);
  }
  if (img.width === 0 || img.height === 0) throw new Error('Snapshot: empty image');
  return { width: img.width, height: img.height, luma: meanLuma(img.data, 3), hash: contentHash(img.data) };
}

/** Mean BT.601 luma of packed RGB(A) pixels; integer weights (77, 150, 29)/256 keep it cheap. */
export function meanLuma(data: Uint8Array, channels: 3 | 4): number {
  const n = Math.floor(data.length / channels);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i + 2 < data.length; i += channels) {
    sum += 77 * (data[i] as number) + 150 * (data[i + 1] as number) + 29 * (data[i + 2] as number);
  }
  return sum / 256 / n;
}

/** A short content hash for "is this the same picture as last time". */
export function contentHash(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}
