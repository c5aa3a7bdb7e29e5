#!/usr/bin/env node
// Bundles a web page for the browser at build time (no CDN, nothing fetched at run time):
// <web dir>/main.ts (with its imports: connect-web, the generated contract) -> <outdir>/app.js,
// plus <web dir>/index.html; <web dir>/tsconfig.json gives the DOM types. The edge serves the
// result (EDGE_WEB_DIR, default web/ beside its main.js).
// Usage: bundle-web.mjs <web dir> <outdir>
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [webDir, outdir] = process.argv.slice(2);
if (!webDir || !outdir) {
  console.error('usage: bundle-web.mjs <web dir> <outdir>');
  process.exit(2);
}
const web = resolve(webDir);
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
console.log(`bundled ${webDir} -> ${join(outdir, 'app.js')} (${(statSync(join(out, 'app.js')).size / 1024).toFixed(0)} KiB)`);
