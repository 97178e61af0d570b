// Screenshot check: a decoded video frame is not blank. testsrc2 has colour bars, moving
// shapes and a counter, so its luma spread is large; a black, grey or single-colour frame
// (nothing decoded, a stalled compositor) has almost none.
import fs from 'node:fs';

// `PNG` is pngjs's class (the packages live in the build tree, so the caller loads them).
// Returns {variance, distinctColours, width, height} of the PNG at `path` (luma variance over
// all pixels; colours counted after dropping the low 4 bits of each channel).
export function pngStats(PNG, path) {
  const png = PNG.sync.read(fs.readFileSync(path));
  const { width, height, data } = png;
  let sum = 0;
  let sumSq = 0;
  const colours = new Set();
  const n = width * height;
  for (let i = 0; i < n * 4; i += 4) {
    const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    sum += y;
    sumSq += y * y;
    if (colours.size < 4096) colours.add(((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4));
  }
  const mean = sum / n;
  return { variance: sumSq / n - mean * mean, distinctColours: colours.size, width, height };
}
