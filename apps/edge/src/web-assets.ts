// The browser page, built at build time (tools/scripts/bundle-web.mjs: esbuild, connect-web,
// no CDN) and served from memory: the files of the web directory are read once at start, so a
// request can only ever name one of them (no paths are resolved per request).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

export interface WebAsset {
  body: Buffer;
  type: string;
}

/** "/" and "/index.html" -> index.html, "/app.js" -> app.js, ...; empty when `dir` has no page. */
export function loadWebAssets(dir: string): Map<string, WebAsset> {
  const assets = new Map<string, WebAsset>();
  if (!dir || !existsSync(join(dir, 'index.html'))) return assets;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    assets.set(`/${name}`, { body: readFileSync(file), type: TYPES[extname(name)] ?? 'application/octet-stream' });
  }
  assets.set('/', assets.get('/index.html')!);
  return assets;
}
