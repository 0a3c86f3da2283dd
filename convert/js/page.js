// Browser side of the parity check, bundled with esbuild: window.runModel(backend) scores the
// pixel batch served at /pixels.bin with the TF.js model served at /model/model.json.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';

setWasmPaths('/wasm/');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

window.runModel = async (backend, shape) => {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  await tf.ready();
  const bytes = await (await fetch('/pixels.bin')).arrayBuffer();
  const model = await loadGraphModel('/model/model.json');
  const started = performance.now();
  const input = tf.tensor(new Float32Array(bytes), shape);
  const output = model.predict(input);
  const probabilities = Array.from(await output.data());
  tf.dispose([input, output]);
  model.dispose();
  return { probabilities, ms: performance.now() - started, backend: tf.getBackend() };
};
window.pageReady = true;
