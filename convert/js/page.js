// Browser side of the parity check, bundled with esbuild: window.runModel(backend) scores the
// pixel batch served at /pixels.bin with the TF.js model served at /model/model.json.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { predictInBatches } from './predict.js';
import '@tensorflow/tfjs-backend-webgl';

setWasmPaths('/wasm/');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

window.runModel = async (backend, shape) => {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  await tf.ready();
  const bytes = await (await fetch('/pixels.bin')).arrayBuffer();
  const model = await loadGraphModel('/model/model.json');
  const started = performance.now();
  const probabilities = await predictInBatches(tf, model, new Float32Array(bytes), shape);
  model.dispose();
  return { probabilities, ms: performance.now() - started, backend: tf.getBackend() };
};
window.pageReady = true;
