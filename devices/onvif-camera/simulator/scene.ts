import jpeg from 'jpeg-js';
import { seededRandom } from '../../sim/random.js';

/**
 * A small changing picture: a gradient, a block that moves with the frame number, and a few noisy
 * pixels, so successive frames differ like a real sensor's. jpeg-js builds its encoder tables on every
 * encode (about 25 ms of CPU even for a tiny picture), so a scene is a cycle of `frames` pictures, each
 * encoded once on first use and then served from memory: one Scene can be shared by any number of
 * simulated cameras, each walking the cycle with its own frame counter.
 */
export interface SceneOptions {
  width?: number;
  height?: number;
  /** JPEG quality 1-100. */
  quality?: number;
  /** Length of the cycle of distinct pictures (at least 2, so two successive frames always differ). */
  frames?: number;
  /** Seed for the noise, so pictures are reproducible. */
  seed?: number;
}

export class Scene {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  private readonly quality: number;
  private readonly seed: number;
  private readonly cache = new Map<string, Buffer>();
  private counter = 0;

  constructor(opts: SceneOptions = {}) {
    this.width = opts.width ?? 160;
    this.height = opts.height ?? 120;
    this.quality = opts.quality ?? 60;
    this.frames = Math.max(2, opts.frames ?? 12);
    this.seed = opts.seed ?? 1;
  }

  /** Picture `n` of the cycle as a JPEG; `dark` renders a lens-capped / night picture (luma close to 0). */
  frame(n: number, dark = false): Buffer {
    const i = ((n % this.frames) + this.frames) % this.frames;
    const key = `${i}:${dark ? 1 : 0}`;
    let jpg = this.cache.get(key);
    if (!jpg) {
      jpg = this.render(i, dark);
      this.cache.set(key, jpg);
    }
    return jpg;
  }

  /** The next picture of this scene's own counter. */
  next(dark = false): Buffer {
    return this.frame(this.counter++, dark);
  }

  private render(f: number, dark: boolean): Buffer {
    const { width: w, height: ht } = this;
    const data = Buffer.alloc(w * ht * 4);
    const bs = Math.max(4, Math.floor(Math.min(w, ht) / 5));
    const bx = Math.floor(((w - bs) * f) / this.frames);
    const by = Math.floor(((ht - bs) * ((f * 5) % this.frames)) / this.frames);
    for (let y = 0; y < ht; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        const inBlock = x >= bx && x < bx + bs && y >= by && y < by + bs;
        if (dark) {
          data[i] = data[i + 1] = data[i + 2] = 0;
        } else if (inBlock) {
          data[i] = 240;
          data[i + 1] = 230;
          data[i + 2] = 60;
        } else {
          data[i] = Math.floor((x * 200) / w) + 20;
          data[i + 1] = Math.floor((y * 180) / ht) + 40;
          data[i + 2] = 110;
        }
        data[i + 3] = 255;
      }
    }
    // Sensor noise, different in every picture of the cycle; low amplitude in the dark.
    const rand = seededRandom(this.seed * 7919 + f * 2 + (dark ? 1 : 0));
    const noisy = Math.max(16, Math.floor((w * ht) / 64));
    for (let k = 0; k < noisy; k++) {
      const i = Math.floor(rand() * w * ht) * 4;
      const v = Math.floor(rand() * (dark ? 8 : 255));
      data[i] = data[i + 1] = data[i + 2] = v;
    }
    return jpeg.encode({ width: w, height: ht, data }, this.quality).data;
  }
}

