// The JS resize must give TF's numbers (training/preprocess.py resize_and_crop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cropGeometry, computeSpans, resizeAndCrop, roundHalfEven } from '../../src/lib/resize.js';

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/resize_fixture.json', import.meta.url), 'utf8'),
);

// TF accumulates in float32 in a different order; 1e-3 of a 0..255 pixel is far below
// what a model can notice. The fixture itself is rounded to 1e-4.
const TOLERANCE = 1e-3;

test('round half to even like tf.round', () => {
  assert.equal(roundHalfEven(10.5), 10);
  assert.equal(roundHalfEven(11.5), 12);
  assert.equal(roundHalfEven(7.5), 8);
  assert.equal(roundHalfEven(2.4999), 2);
  assert.equal(roundHalfEven(336.7466), 337);
});

test('crop geometry: short side to S, floor((L - S) / 2)', () => {
  assert.deepEqual(cropGeometry(300, 451, 224), { newHeight: 224, newWidth: 337, top: 0, left: 56 });
  assert.deepEqual(cropGeometry(1000, 10, 224), { newHeight: 22400, newWidth: 224, top: 11088, left: 0 });
  assert.deepEqual(cropGeometry(224, 224, 224), { newHeight: 224, newWidth: 224, top: 0, left: 0 });
  assert.throws(() => cropGeometry(0, 5, 224), RangeError);
});

test('spans are normalised and stay inside the image', () => {
  for (const [inSize, outSize] of [[1000, 224], [224, 224], [7, 224], [225, 224]]) {
    const { starts, weights, spanSize } = computeSpans(inSize, outSize);
    for (let k = 0; k < outSize; k++) {
      let sum = 0;
      for (let j = 0; j < spanSize; j++) sum += weights[k * spanSize + j];
      assert.ok(Math.abs(sum - 1) < 1e-5, `weights of ${k} sum to ${sum}`);
      assert.ok(starts[k] >= 0 && starts[k] < inSize);
    }
  }
});

test('identity when the image already is S x S', () => {
  const data = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256);
  const out = resizeAndCrop({ data, width: 8, height: 8, channels: 3 }, 8);
  assert.deepEqual(Array.from(out), Array.from(data));
});

test('RGBA input (canvas layout) ignores the alpha channel', () => {
  const rgb = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 11) % 256);
  const rgba = new Uint8ClampedArray(5 * 4 * 4);
  for (let p = 0; p < 20; p++) {
    rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 7;
  }
  const a = resizeAndCrop({ data: rgb, width: 5, height: 4, channels: 3 }, 3);
  const b = resizeAndCrop({ data: rgba, width: 5, height: 4, channels: 4 }, 3);
  assert.deepEqual(a, b);
});

for (const c of fixture.cases) {
  test(`matches TF ${fixture.tensorflow}: ${c.height}x${c.width} -> ${c.size}`, () => {
    const geometry = cropGeometry(c.height, c.width, c.size);
    assert.deepEqual(geometry, {
      newHeight: c.new_height,
      newWidth: c.new_width,
      top: c.top,
      left: c.left,
    });
    const data = Buffer.from(c.pixels_b64, 'base64');
    const out = resizeAndCrop({ data, width: c.width, height: c.height, channels: 3 }, c.size);
    assert.equal(out.length, c.expected.length);
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - c.expected[i]));
    assert.ok(worst <= TOLERANCE, `max difference ${worst} > ${TOLERANCE}`);
  });
}
