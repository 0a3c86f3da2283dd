// The TF.js graph model: loaded once, warmed up, then one image at a time.
//
// Backend: wasm with SIMD, multi-threaded where the page is cross-origin isolated (Chrome's
// offscreen document: the manifest sets COOP and COEP), else single-threaded (Firefox, which
// has no such manifest keys). The threaded build's workers load from files shipped with the
// extension (scripts/build.mjs explains why). WebGL is used only where a hardware GPU is present
// AND it is faster than wasm on the warm-up AND it gives the same answer (some WebGL drivers
// are silently wrong).

import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import { loadGraphModel } from '@tensorflow/tfjs-converter';

// Threads for the wasm backend: one per core, at most 4 (a model this small gains little more).
const MAX_THREADS = 4;
let logicalCores = null; // navigator.hardwareConcurrency as the browser reported it

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render|mesa offscreen/i;

/** Is there a WebGL renderer that is a real GPU (not a CPU emulation)? */
export function hasHardwareGpu() {
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const gl = canvas.getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return !SOFTWARE_GL.test(renderer);
  } catch {
    return false;
  }
}

function makePredict(model, card) {
  const size = card.input_size;
  const output = card.tfjs?.output;
  return async function predict(pixels) {
    const y = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [1, size, size, 3], 'float32');
      let out = output ? model.execute(x, output) : model.predict(x);
      if (Array.isArray(out)) out = out[0];
      return tf.reshape(out, [-1]);
    });
    try {
      const values = await y.data();
      return values[0];
    } finally {
      y.dispose();
    }
  };
}

async function timeBackend(name, model, card, sample) {
  await tf.setBackend(name);
  await tf.ready();
  const predict = makePredict(model, card);
  await predict(sample); // first call compiles shaders / kernels
  const t0 = performance.now();
  const p = await predict(sample);
  return { p, ms: performance.now() - t0 };
}

/**
 * Load the model once and warm it up.
 * @param {{card: object, modelUrl: string, wasmUrls: string, allowGpu?: boolean}} options
 * @returns {Promise<{predict: (pixels: Float32Array) => Promise<number>, backend: string}>}
 *   `backend`: 'wasm', 'wasm, N threads' or 'webgl'
 */
export async function loadModel({ card, modelUrl, wasmUrls, allowGpu = true }) {
  // SharedArrayBuffer exists only in cross-origin isolated pages; TF.js's own probe would
  // otherwise decide, and wrongly where the workers cannot start.
  if (globalThis.crossOriginIsolated) {
    logicalCores ??= navigator.hardwareConcurrency || 1;
    const threads = Math.min(logicalCores, MAX_THREADS);
    // TF.js caps its thread pool at half of navigator.hardwareConcurrency (it assumes two
    // hardware threads per core), which leaves a 2-core machine one thread. This document runs
    // only the engine, so it reports twice the threads wanted for the cap to come out right.
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
    setThreadsCount(threads);
  } else {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  setWasmPaths(wasmUrls);
  const size = card.input_size;
  await tf.setBackend('wasm');
  await tf.ready();
  const model = await loadGraphModel(modelUrl);
  // Warm-up input: a grey ramp, so both backends can be compared on non-trivial values.
  const sample = Float32Array.from({ length: size * size * 3 }, (_, i) => (i * 7) % 256);
  const wasm = await timeBackend('wasm', model, card, sample);
  let backend = 'wasm';
  if (allowGpu && hasHardwareGpu()) {
    try {
      const gl = await timeBackend('webgl', model, card, sample);
      if (gl.ms < wasm.ms * 0.8 && Math.abs(gl.p - wasm.p) < 1e-3) backend = 'webgl';
    } catch {
      // no usable WebGL: stay on wasm
    }
  }
  await tf.setBackend(backend);
  const threads = backend === 'wasm' ? getThreadsCount() : 1;
  return { predict: makePredict(model, card), backend: threads > 1 ? `wasm, ${threads} threads` : backend };
}
