// Shared by score.mjs and bench.mjs: a headless Chromium holding a test build of the extension
// for a given model bundle, and a tiny HTTP server for local files.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Build the test build (the release code plus hooks) for `modelDir` into build/<name>/. */
export function buildFor(modelDir, name) {
  const out = join(ROOT, 'build', name);
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--test', '--quiet', '--model', modelDir, '--out', out], {
    stdio: 'inherit',
  });
  return { chrome: join(out, 'test-chrome'), firefox: join(out, 'test-firefox') };
}

/** Serve files: GET /f/<index> returns files[index]; GET /p/<name> returns pages[name]. */
export async function serveFiles(files, pages = {}) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path.startsWith('/p/') && pages[path.slice(3)]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pages[path.slice(3)]);
      return;
    }
    const file = files[Number(path.slice(3))];
    if (path.startsWith('/f/') && file && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-length': statSync(file).size });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** A do-nothing extension (build/bench/empty-extension), so that a launch without ours is otherwise identical. */
export function emptyExtension() {
  const dir = join(ROOT, 'build/bench/empty-extension');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'empty', version: '1', background: { service_worker: 'sw.js' } }));
  writeFileSync(join(dir, 'sw.js'), '');
  return dir;
}

export { launchChromium } from '../test/browser/helpers.mjs';
