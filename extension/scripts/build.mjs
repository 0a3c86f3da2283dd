// Build the extension for Chrome and Firefox from one source.
//
//   npm run build                       -> dist/chrome/, dist/firefox/, dist/*.zip (release)
//   npm run build -- --model DIR        the model bundle to ship (default ../models/default,
//                                       or the AIORHUMAN_MODEL environment variable)
//   node scripts/build.mjs --test       -> build/test-chrome/, build/test-firefox/ with the
//                                       test hooks (never shipped; see TEST_BUILD)
//
// Only the bundle's card.json and its TF.js model are copied (the SavedModel stays out), after
// checking each file's sha256 against the card.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { zipDirectory } from './zip.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const WASM_DIR = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];
// The multi-threaded build (Chrome only: Firefox cannot make an extension page cross-origin
// isolated): its .wasm, the module factory and its workers' script.
const THREADED_WASM = 'tfjs-backend-wasm-threaded-simd.wasm';
const WASM_OUT = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out');
const THREADED_SCRIPT = 'tfjs-backend-wasm-threaded-simd.js';
const THREADED_WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';
// The C2PA SDK's WebAssembly (c2pa-rs), loaded only for files that carry a C2PA manifest.
const C2PA_DIR = join(ROOT, 'node_modules/@contentauth/c2pa-wasm');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    test: { type: 'boolean', default: false },
    out: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const modelDir = resolve(ROOT, args.model ?? process.env.AIORHUMAN_MODEL ?? '../models/default');
const outRoot = resolve(ROOT, args.out ?? (args.test ? 'build' : 'dist'));
const log = args.quiet ? () => {} : (...a) => console.log(...a);

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

/**
 * TF.js 4.22 starts the workers of its multi-threaded WebAssembly build from blob: URLs, which
 * an extension's content security policy forbids (tensorflow/tfjs#5137), and it has no option
 * for a worker URL. This esbuild plugin points its loader at the two scripts shipped as files
 * under wasm/ instead; the build stops if the library's code no longer reads as expected.
 */
const threadedWasmFromFiles = {
  name: 'tfjs-wasm-threads-from-files',
  setup(builder) {
    builder.onLoad({ filter: /tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/ }, ({ path }) => {
      const prefix = 'wasmPathPrefix != null ? wasmPathPrefix : prefix';
      const edits = [
        [/const response = wasmWorkerContents[\s\S]*?return URL\.createObjectURL\(blob\);/, `return (${prefix}) + path;`],
        [
          /factoryConfig\.mainScriptUrlOrBlob = new Blob\([\s\S]*?\);/,
          `factoryConfig.mainScriptUrlOrBlob = (wasmPathPrefix != null ? wasmPathPrefix : '') + '${THREADED_SCRIPT}';`,
        ],
      ];
      let code = readFileSync(path, 'utf8');
      for (const [pattern, replacement] of edits) {
        if (!pattern.test(code)) fail(`${path}: ${pattern} not found; check the threaded wasm loader`);
        code = code.replace(pattern, replacement);
      }
      return { contents: code, loader: 'js' };
    });
  },
};

/** Ship the multi-threaded build: its .wasm and its two scripts (see threadedWasmFromFiles). */
function writeThreadedWasm(dir) {
  const require = createRequire(import.meta.url);
  cpSync(join(WASM_DIR, THREADED_WASM), join(dir, THREADED_WASM));
  cpSync(join(WASM_OUT, THREADED_SCRIPT), join(dir, THREADED_SCRIPT));
  // As TF.js does before making its blob: the string's newlines sit inside string literals.
  const worker = require(join(WASM_OUT, THREADED_WORKER)).wasmWorkerContents.replace(/\n/g, '\\n');
  writeFileSync(join(dir, THREADED_WORKER), worker);
}

/** Check the bundle and return its card and the TF.js files to ship. */
function readBundle(dir) {
  const cardPath = join(dir, 'card.json');
  if (!existsSync(cardPath)) {
    fail(`no model bundle at ${dir} (card.json missing). Give one with --model DIR or AIORHUMAN_MODEL.`);
  }
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  if (card.card_version !== 1) fail(`${cardPath}: card_version ${card.card_version} is not supported`);
  const modelPath = card.tfjs?.path ?? 'tfjs/model.json';
  const tfjsDir = dirname(modelPath);
  const files = Object.keys(card.files ?? {}).filter((f) => f.startsWith(`${tfjsDir}/`));
  if (!files.includes(modelPath)) fail(`${cardPath}: ${modelPath} is not listed in files`);
  for (const file of files) {
    const path = join(dir, file);
    if (!existsSync(path)) fail(`${dir}: missing ${file}`);
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (sha !== card.files[file]) fail(`${dir}: ${file} does not match its sha256 in card.json`);
  }
  return { card, files };
}

async function buildTarget(target, bundle, version) {
  const out = join(outRoot, args.test ? `test-${target}` : target);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const entryPoints = {
    background: join(SRC, 'background', `${target}.js`),
    content: join(SRC, 'content/content.js'),
    'popup/popup': join(SRC, 'popup/popup.js'),
    'options/options': join(SRC, 'options/options.js'),
  };
  if (target === 'chrome') entryPoints['offscreen/offscreen'] = join(SRC, 'offscreen/offscreen.js');
  await build({
    entryPoints,
    outdir: out,
    bundle: true,
    format: 'iife',
    target: ['chrome120', 'firefox140'],
    minify: true,
    legalComments: 'linked',
    define: { TEST_BUILD: args.test ? 'true' : 'false' },
    logLevel: 'warning',
    plugins: [threadedWasmFromFiles],
  });

  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifestFor(target, version), null, 2)}\n`);
  for (const file of ['popup/popup.html', 'popup/popup.css', 'options/options.html', 'options/options.css']) {
    cpSync(join(SRC, file), join(out, file));
  }
  if (target === 'chrome') cpSync(join(SRC, 'offscreen/offscreen.html'), join(out, 'offscreen/offscreen.html'));
  cpSync(join(SRC, 'icons'), join(out, 'icons'), { recursive: true });
  for (const file of WASM_FILES) cpSync(join(WASM_DIR, file), join(out, 'wasm', file));
  if (target === 'chrome') writeThreadedWasm(join(out, 'wasm'));
  cpSync(join(C2PA_DIR, 'pkg/c2pa_bg.wasm'), join(out, 'c2pa/c2pa_bg.wasm'));
  cpSync(join(C2PA_DIR, 'LICENSE'), join(out, 'c2pa/LICENSE'));
  mkdirSync(join(out, 'model'), { recursive: true });
  cpSync(join(modelDir, 'card.json'), join(out, 'model/card.json'));
  for (const file of bundle.files) cpSync(join(modelDir, file), join(out, 'model', file));
  return out;
}

/**
 * The one source manifest, as one browser reads it: Chrome gets the service worker and the
 * offscreen permission, Firefox the background scripts and its own settings, so that neither
 * warns about keys it does not support (`web-ext lint`, chrome://extensions).
 */
function manifestFor(target, version) {
  const manifest = JSON.parse(readFileSync(join(SRC, 'manifest.json'), 'utf8'));
  manifest.version = version;
  if (target === 'chrome') {
    delete manifest.background.scripts;
    delete manifest.browser_specific_settings;
  } else {
    delete manifest.background.service_worker;
    // Firefox has no manifest keys for cross-origin isolation: its engine stays single-threaded.
    delete manifest.cross_origin_opener_policy;
    delete manifest.cross_origin_embedder_policy;
    manifest.permissions = manifest.permissions.filter((permission) => permission !== 'offscreen');
  }
  return manifest;
}

const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const bundle = readBundle(modelDir);
log(`model: ${bundle.card.name} ${bundle.card.version ?? ''} from ${modelDir}`);
for (const target of ['chrome', 'firefox']) {
  const out = await buildTarget(target, bundle, version);
  if (args.test) {
    log(`${target}: ${out} (test build)`);
  } else {
    const zip = join(outRoot, `aiorhuman-${target}-${version}.zip`);
    const size = zipDirectory(out, zip);
    log(`${target}: ${out}  ${zip} (${(size / 1024 / 1024).toFixed(2)} MB)`);
  }
}
