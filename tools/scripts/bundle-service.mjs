#!/usr/bin/env node
// Bundles a service into one CommonJS file that runs with plain `node` and no node_modules.
// grpc-health-check and @grpc/reflection load their .proto files from disk at run time, so
// those are copied beside the bundle and the two packages are pointed at them.
// Executors need files of their own at run time, so these are bundled too: the worker
// entries of @grpc-ts/executors (src/workers/*.ts -> <outdir>/workers/*.js, for apps that use it),
// piscina's own thread entry (<outdir>/worker.js: piscina looks for it beside the code that
// bundles it, main.js), and the app's task modules (src/tasks/*.ts beside the entry ->
// <outdir>/tasks/*.js), which resolveTaskModule() finds next to main.js.
// Usage: bundle-service.mjs <entry.ts> <outdir>
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) {
  console.error('usage: bundle-service.mjs <entry.ts> <outdir>');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const packageRoot = (name) => dirname(require.resolve(`${name}/package.json`));
const healthRoot = packageRoot('grpc-health-check');
const reflectionRoot = packageRoot('@grpc/reflection');

// Each rewrite must match exactly once: a dependency upgrade that moves these lines fails
// the build here instead of crashing the bundled server at run time with ENOENT.
const protoDirRewrites = [
  { file: join(healthRoot, 'build/src/health.js'), from: '`${__dirname}/../../proto`', to: '__dirname + "/proto"' },
  { file: join(healthRoot, 'build/src/health.js'), from: "path.resolve(__dirname, '../../proto/", to: "path.resolve(__dirname, 'proto/" },
  {
    file: join(reflectionRoot, 'build/src/implementations/reflection-v1.js'),
    from: "path.join(__dirname, '../../proto/",
    to: "path.join(__dirname, 'proto/",
  },
  {
    file: join(reflectionRoot, 'build/src/implementations/reflection-v1alpha.js'),
    from: "path.join(__dirname, '../../proto/",
    to: "path.join(__dirname, 'proto/",
  },
];

const protoDirPlugin = {
  name: 'grpc-proto-dirs',
  setup(pluginBuild) {
    const files = new Set(protoDirRewrites.map((rewrite) => rewrite.file));
    pluginBuild.onLoad({ filter: /\.js$/ }, (args) => {
      if (!files.has(args.path)) return undefined;
      let contents = readFileSync(args.path, 'utf8');
      for (const rewrite of protoDirRewrites.filter((r) => r.file === args.path)) {
        const count = contents.split(rewrite.from).length - 1;
        if (count !== 1) throw new Error(`${args.path}: expected "${rewrite.from}" once, found ${count}`);
        contents = contents.replace(rewrite.from, rewrite.to);
      }
      return { contents, loader: 'js' };
    });
  },
};

const out = resolve(outdir);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// tsx is only loaded to run .ts task modules from source; never in a bundle. piscina's
// thread entry loads @napi-rs/nice only for a nice increment, which the executors never set.
const external = ['tsx', 'tsx/*', '@napi-rs/nice'];
const workerEntries = (srcIndex) => {
  const dir = join(dirname(srcIndex), 'workers');
  return readdirSync(dir).map((file) => ({ in: join(dir, file), out: `workers/${file.replace(/\.ts$/, '')}` }));
};
const resolvable = (name) => {
  try {
    return require.resolve(name);
  } catch {
    return undefined;
  }
};
// Worker entries go only into apps that run an executor (their package.json depends on
// @grpc-ts/executors): prod-service's bundle carries no worker code.
const appManifest = (() => {
  for (let dir = dirname(resolve(entry)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  }
  return {};
})();
const usesExecutors =
  appManifest.name === '@grpc-ts/executors' ||
  Boolean({ ...appManifest.dependencies, ...appManifest.devDependencies }['@grpc-ts/executors']);
const executorsIndex = usesExecutors ? resolvable('@grpc-ts/executors') : undefined;
const executorEntries = executorsIndex
  ? [
      ...workerEntries(executorsIndex),
      { in: join(dirname(createRequire(executorsIndex).resolve('piscina')), 'worker.js'), out: 'worker' },
    ]
  : [];
const tasksDir = join(dirname(resolve(entry)), 'tasks');
const extraEntries = [
  ...executorEntries,
  ...(existsSync(tasksDir) ? readdirSync(tasksDir).filter((f) => f.endsWith('.ts')) : []).map((file) => ({
    in: join(tasksDir, file),
    out: `tasks/${file.replace(/\.ts$/, '')}`,
  })),
];
const outs = extraEntries.map((e) => e.out);
const clash = outs.find((out, i) => out === 'main' || outs.indexOf(out) !== i);
if (clash) throw new Error(`two bundle entries would both write ${clash}.js`);
const result = await build({
  entryPoints: [{ in: entry, out: 'main' }, ...extraEntries],
  outdir: out,
  external,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [protoDirPlugin],
});
cpSync(join(healthRoot, 'proto'), join(out, 'proto'), { recursive: true });
cpSync(join(reflectionRoot, 'build/proto'), join(out, 'proto'), { recursive: true });
const bytes = statSync(join(out, 'main.js')).size;
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`bundled ${entry} -> ${join(outdir, 'main.js')} (${(bytes / 1024).toFixed(0)} KiB, ${inputs} inputs)`);
