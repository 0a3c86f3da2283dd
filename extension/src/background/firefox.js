// Firefox: the background page has a DOM, so the engine (TF.js wasm) runs right here.
import { startBackground } from './background.js';
import { createLocalHost } from '../engine/host.js';

const api = globalThis.browser ?? globalThis.chrome;
startBackground(createLocalHost((path) => api.runtime.getURL(path)));
