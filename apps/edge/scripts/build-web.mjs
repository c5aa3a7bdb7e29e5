#!/usr/bin/env node
// Bundles the edge's page for the browser at build time (no CDN, nothing fetched at run
// time): web/main.ts with connect-web and the generated contract -> <outdir>/app.js, plus
// index.html. The edge serves the directory (EDGE_WEB_DIR, default web/ beside main.js).
// Usage: build-web.mjs <outdir>
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [outdir] = process.argv.slice(2);
if (!outdir) {
  console.error('usage: build-web.mjs <outdir>');
  process.exit(2);
}
const web = join(dirname(fileURLToPath(import.meta.url)), '../web');
const out = resolve(outdir);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(web, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  tsconfig: join(web, 'tsconfig.json'),
});
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
console.log(`built the edge page -> ${join(outdir, 'app.js')} (${(statSync(join(out, 'app.js')).size / 1024).toFixed(0)} KiB)`);
