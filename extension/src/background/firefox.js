// Firefox: the background page has a DOM, so the engine (TF.js wasm) runs right here.
// The model is loaded as soon as the background starts: Firefox 140's WebAssembly runs the
// model's first predictions slowly (seconds each), and paying that before a page asks keeps
// the first screen of the next page quick.
import { startBackground } from './background.js';
import { createLocalHost } from '../engine/host.js';

const api = globalThis.browser ?? globalThis.chrome;
const host = createLocalHost((path) => api.runtime.getURL(path));
startBackground(host);
host.warmUp().catch(() => {}); // a failure shows on the first badge instead
