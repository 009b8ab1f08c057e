// Fashion-MNIST from Debian's dataset-fashion-mnist: the MNIST file format (gzipped IDX) under
// /usr/share/datasets/fashion-mnist, 28x28 gray images of ten clothing classes (0 T-shirt/top,
// 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 ankle boot).
// The training and test files are joined in that order (split.ts holds out each class's last).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

let byClass: Float32Array[][] | undefined;

function idx(file: string, magic: number): Buffer {
  const path = join(FASHION_MNIST_DIR, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: install Debian's dataset-fashion-mnist (scripts/ensure-system-deps.sh does)`);
  const b = gunzipSync(readFileSync(path));
  if (b.readUInt32BE(0) !== magic) throw new Error(`${path} is not an IDX file (magic ${b.readUInt32BE(0)})`);
  return b;
}

/** All images of one class (28x28, row-major, floats in [0, 1]). */
export function fashionMnistClass(cls: number): Float32Array[] {
  if (!Number.isInteger(cls) || cls < 0 || cls > 9) throw new Error(`fashion-mnist has the classes 0 to 9; got ${JSON.stringify(cls)}`);
  if (!byClass) {
    const classes: Float32Array[][] = Array.from({ length: 10 }, () => []);
    for (const part of ['train', 't10k']) {
      const images = idx(`${part}-images-idx3-ubyte.gz`, 2051);
      const labels = idx(`${part}-labels-idx1-ubyte.gz`, 2049);
      const n = labels.readUInt32BE(4);
      for (let i = 0; i < n; i++) {
        const px = new Float32Array(784);
        for (let p = 0; p < 784; p++) px[p] = images[16 + i * 784 + p] / 255;
        classes[labels[8 + i]]?.push(px);
      }
    }
    byClass = classes;
  }
  return byClass[cls];
}
