// A static HTTP server on 127.0.0.1 for the parity page: routes map URL prefixes to folders.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES = { '.json': 'application/json', '.js': 'text/javascript', '.html': 'text/html',
  '.wasm': 'application/wasm' };

export async function serve(routes) {
  const server = createServer(async (request, response) => {
    const url = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const prefix = Object.keys(routes).sort((a, b) => b.length - a.length)
      .find((p) => url.startsWith(p));
    const root = prefix && path.resolve(routes[prefix]);
    const file = root && path.resolve(path.join(root, url.slice(prefix.length)));
    try {
      if (!file || (file !== root && !file.startsWith(root + path.sep))) throw new Error('404');
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}
