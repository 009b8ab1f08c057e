// A folder of images per class, the way users bring their own data: <folder>/<class>/*.png.
// Images are converted to the model's channel count (gray or RGB), resized to its input with
// bilinear sampling, and scaled to [0, 1].

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

export function folderClasses(folder: string): string[] {
  let entries: string[];
  try { entries = readdirSync(folder); } catch { throw new Error(`data folder ${folder} does not exist`); }
  const classes = entries.filter((e) => statSync(join(folder, e)).isDirectory()).sort();
  if (classes.length === 0) throw new Error(`data folder ${folder} has no class subfolders (expected ${folder}/<class>/*.png)`);
  return classes;
}

export function folderImages(folder: string, className: string, shape: [number, number, number]): Float32Array[] {
  const dir = join(folder, className);
  let files: string[];
  try { files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.png')).sort(); } catch { throw new Error(`class folder ${dir} does not exist`); }
  return files.map((f) => {
    const path = join(dir, f);
    try {
      return toInput(PNG.sync.read(readFileSync(path)), shape);
    } catch (err) {
      throw new Error(`${path}: not a readable PNG (${(err as Error).message})`);
    }
  });
}

/** RGBA PNG -> HWC floats of the model's input shape. */
export function toInput(png: { width: number; height: number; data: Buffer | Uint8Array }, [h, w, c]: [number, number, number]): Float32Array {
  const out = new Float32Array(h * w * c);
  const sample = (x: number, y: number, ch: number): number => {
    const i = (Math.min(png.height - 1, Math.max(0, y)) * png.width + Math.min(png.width - 1, Math.max(0, x))) * 4;
    if (c === 1) return (0.299 * png.data[i] + 0.587 * png.data[i + 1] + 0.114 * png.data[i + 2]) / 255;
    return png.data[i + (ch % 3)] / 255;
  };
  for (let y = 0; y < h; y++) {
    const sy = ((y + 0.5) * png.height) / h - 0.5;
    const y0 = Math.floor(sy), fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = ((x + 0.5) * png.width) / w - 0.5;
      const x0 = Math.floor(sx), fx = sx - x0;
      for (let ch = 0; ch < c; ch++) {
        const v = (1 - fy) * ((1 - fx) * sample(x0, y0, ch) + fx * sample(x0 + 1, y0, ch)) + fy * ((1 - fx) * sample(x0, y0 + 1, ch) + fx * sample(x0 + 1, y0 + 1, ch));
        out[(y * w + x) * c + ch] = v;
      }
    }
  }
  return out;
}
