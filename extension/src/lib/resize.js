// Resize so the short side is S, then crop the centre S x S: the exact arithmetic of
// training/preprocess.py's resize_and_crop, which calls
// tf.image.resize(..., antialias=True) -> ScaleAndTranslate with a triangle kernel.
//
// TF's kernel (tensorflow/core/kernels/image/scale_and_translate_op.cc), per axis:
//   scale        = float32(out) / float32(in)
//   kernel_scale = max(1 / scale, 1)        (the triangle is widened when downscaling)
//   for each output pixel x: sample = (x + 0.5) / scale     (half-pixel centres)
//     taps: input pixels i with |i + 0.5 - sample| < kernel_scale,
//     weight = 1 - |i + 0.5 - sample| / kernel_scale, normalised to sum 1.
// Weights are float32, sums are float32. We mirror that with Math.fround and Float32Arrays.
// Only the cropped window is computed: every output pixel is independent of the others.
//
// Pure module: no DOM, no browser API. Unit-tested against numbers produced by TF itself
// (test/fixtures/resize_fixture.json, made by test/fixtures/make_resize_fixture.py).

const f = Math.fround;

/** Round half to even, like tf.round. */
export function roundHalfEven(x) {
  const r = Math.round(x);
  // Math.round rounds .5 up; step back when that lands on an odd number.
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/**
 * The resized size and the crop offsets for an image of height x width and model size S.
 * Mirrors resize_and_crop: the scale is computed in float64, sizes rounded half to even,
 * never smaller than S.
 */
export function cropGeometry(height, width, size) {
  if (!(height > 0 && width > 0)) throw new RangeError(`bad image size ${width}x${height}`);
  const scale = size / Math.min(height, width);
  const newHeight = Math.max(roundHalfEven(height * scale), size);
  const newWidth = Math.max(roundHalfEven(width * scale), size);
  return {
    newHeight,
    newWidth,
    top: Math.floor((newHeight - size) / 2),
    left: Math.floor((newWidth - size) / 2),
  };
}

/**
 * Sampling spans along one axis for output pixels [first, first + count) of an
 * inSize -> outSize resize. Returns { starts: Int32Array, weights: Float32Array, spanSize }:
 * output pixel k reads input pixels starts[k] .. starts[k] + spanSize - 1 with
 * weights[k * spanSize + j] (trailing weights are 0).
 */
export function computeSpans(inSize, outSize, first = 0, count = outSize) {
  const scale = f(outSize / inSize);
  const invScale = f(1 / scale);
  const kernelScale = Math.max(invScale, 1); // antialias: widen only when downscaling
  const oneOverKernelScale = f(1 / kernelScale);
  const radius = kernelScale; // triangle radius 1, times kernel_scale
  const spanSize = Math.min(2 * Math.ceil(radius) + 1, inSize);
  const starts = new Int32Array(count);
  const weights = new Float32Array(count * spanSize);
  const temp = new Float32Array(spanSize + 2);
  for (let k = 0; k < count; k++) {
    const x = first + k;
    const sample = f(f(x + 0.5) * invScale);
    if (sample < 0 || sample > inSize) continue; // never happens without translation
    let start = Math.ceil(f(f(sample - radius) - 0.5));
    let end = Math.floor(f(f(sample + radius) - 0.5));
    start = Math.min(Math.max(start, 0), inSize - 1);
    end = Math.min(Math.max(end, 0), inSize - 1) + 1;
    let total = 0;
    let n = 0;
    for (let i = start; i < end; i++) {
      const pos = f(f(i + 0.5) - sample);
      const t = Math.abs(f(pos * oneOverKernelScale));
      const w = t < 1 ? f(1 - t) : 0;
      total = f(total + w);
      temp[n++] = w;
    }
    if (n > spanSize) throw new Error(`span of ${n} taps exceeds ${spanSize}`);
    if (Math.abs(total) >= 1000 * 1.1754943508222875e-38) {
      const inv = f(1 / total);
      for (let j = 0; j < n; j++) weights[k * spanSize + j] = f(temp[j] * inv);
    }
    starts[k] = start;
  }
  return { starts, weights, spanSize };
}

/**
 * Resize pixels so the short side is `size` (antialiased bilinear, as TF) and crop the centre.
 *
 * @param {{data: ArrayLike<number>, width: number, height: number, channels?: number}} image
 *   interleaved pixels, row-major; `channels` is the stride (4 for canvas RGBA, 3 for RGB);
 *   the first three channels are used.
 * @param {number} size S, the model's input size.
 * @returns {Float32Array} S * S * 3 float32 values in 0..255 (RGB, row-major).
 */
export function resizeAndCrop(image, size) {
  const { data, width, height } = image;
  const stride = image.channels ?? 4;
  const { newHeight, newWidth, top, left } = cropGeometry(height, width, size);
  const rows = computeSpans(height, newHeight, top, size);
  const cols = computeSpans(width, newWidth, left, size);

  // Pass 1 (vertical): S output rows x full input width x 3, float32.
  const mid = new Float32Array(size * width * 3);
  for (let y = 0; y < size; y++) {
    const start = rows.starts[y];
    const taps = Math.min(start + rows.spanSize, height) - start;
    const outRow = y * width * 3;
    for (let j = 0; j < taps; j++) {
      const w = rows.weights[y * rows.spanSize + j];
      if (w === 0) continue;
      let inIndex = (start + j) * width * stride;
      let outIndex = outRow;
      for (let x = 0; x < width; x++) {
        mid[outIndex] += w * data[inIndex];
        mid[outIndex + 1] += w * data[inIndex + 1];
        mid[outIndex + 2] += w * data[inIndex + 2];
        inIndex += stride;
        outIndex += 3;
      }
    }
  }

  // Pass 2 (horizontal): S x S x 3, then clip to 0..255 like the Python code.
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const midRow = y * width * 3;
    for (let x = 0; x < size; x++) {
      const start = cols.starts[x];
      const taps = Math.min(start + cols.spanSize, width) - start;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < taps; j++) {
        const w = cols.weights[x * cols.spanSize + j];
        const i = midRow + (start + j) * 3;
        r = f(r + f(w * mid[i]));
        g = f(g + f(w * mid[i + 1]));
        b = f(b + f(w * mid[i + 2]));
      }
      const o = (y * size + x) * 3;
      out[o] = r < 0 ? 0 : r > 255 ? 255 : r;
      out[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      out[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return out;
}
