// Load a TF.js graph model folder (model.json + shards) from disk in Node (tfjs has no
// file:// loader) and read a raw float32 pixel batch.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export async function fromFolder(dir) {
  const model = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const weightSpecs = [];
  const buffers = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) buffers.push(await readFile(path.join(dir, shard)));
  }
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  return tf.io.fromMemory({ ...model, weightSpecs, weightData });
}

export async function readPixels(file, shape) {
  const bytes = await readFile(file);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { data: Float32Array.from(data), shape };
}
