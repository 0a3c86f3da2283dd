// Chrome: the service worker forwards scoring to an offscreen document that runs the engine.
import { startBackground } from './background.js';
import { createOffscreenHost } from './offscreen-host.js';

startBackground(createOffscreenHost());
