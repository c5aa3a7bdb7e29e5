// Writes the settings docs from the env specs, so each default and each description is written
// once, in the spec (its value and its doc comment):
//   - libs/runtime/README.md: every service's base settings (baseServiceEnv);
//   - apps/<app>/README.md: that service's own settings (every apps/*/src/config.ts spec);
//   - .env.example: every variable docker-compose.yml reads, with the default it gets.
// Generated text sits between `<!-- generated:env NAME -->` and `<!-- /generated:env -->`.
//   usage: tsx tools/scripts/env-docs.ts [--check]   (--check: exit 1 naming stale files)
import { baseServiceEnv, type EnvVar } from '@grpc-ts/runtime';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '../..');
type Spec = Record<string, EnvVar<unknown>>;

/** Variables docker-compose.yml itself owns (images, ports, memory): their defaults live there. */
const COMPOSE_DOCS: Record<string, string> = {
  BASE_IMAGE: 'Base of every image: node (20.11+, 22 or 24) + npm in /usr/local/bin and a uid-1000 user. No registry reachable: `bash .ci/docker-setup.sh` builds local/node-base:24.',
  IMAGE_PREFIX: 'Image names: <prefix>/<app>:<tag>.',
  IMAGE_TAG: 'Image tag.',
  PUBLISH_ADDRESS: 'Host address the edge is published on; 127.0.0.1 keeps it local, 0.0.0.0 publishes on every interface.',
  EDGE_PORT: 'Host port of the edge (the page, Connect, gRPC-Web and gRPC).',
  EDGE_METRICS_PORT: "Host port of the edge's /metrics.",
  PROD_SERVICE_PORT: "Host port of prod-service's gRPC (only with the docker-compose.ports.yml overlay).",
  PROD_SERVICE_METRICS_PORT: "Host port of prod-service's /metrics (only with the overlay).",
  ROUTE_GUIDE_REPLICAS: 'route-guide containers behind the edge (dns:///route-guide, round_robin).',
  AUTH_ISSUER: 'The `iss` the certs step puts in the client token and every service requires.',
  AUTH_AUDIENCE: 'The `aud` the certs step puts in the client token and every service requires.',
  PROD_SERVICE_MEMORY: 'Memory limit of the prod-service container (node sizes its heap from it).',
  ROUTE_GUIDE_MEMORY: 'Memory limit of each route-guide container.',
  EDGE_MEMORY: 'Memory limit of the edge container.',
  CLIENT_MEMORY: 'Memory limit of the client container.',
  HEALTHCHECK_INTERVAL: 'How often Compose runs the health checks.',
};

/** The same, for the variables each generated service adds to docker-compose.yml (<PREFIX>_PORT, ...). */
function composeDoc(name: string): string | undefined {
  if (COMPOSE_DOCS[name]) return COMPOSE_DOCS[name];
  const [, prefix, what] = /^([A-Z0-9_]+?)_(METRICS_PORT|PORT|MEMORY)$/.exec(name) ?? [];
  if (!prefix) return undefined;
  const service = prefix.toLowerCase().replace(/_/g, '-');
  return what === 'MEMORY'
    ? `Memory limit of the ${service} container.`
    : `Host port of ${service}'s ${what === 'PORT' ? 'gRPC' : '/metrics'}.`;
}

/** Doc comments of every UPPER_CASE property in the spec sources, by name. */
function docComments(files: string[]): Map<string, string> {
  const docs = new Map<string, string>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]*$/.test(node.name.text)) {
        const jsDoc = (node as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc;
        const text = jsDoc?.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '').join(' ').replace(/\s+/g, ' ').trim();
        if (text) {
          const seen = docs.get(node.name.text);
          if (seen && seen !== text) throw new Error(`${node.name.text} is documented twice, differently (${relative(ROOT, file)})`);
          docs.set(node.name.text, text);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return docs;
}

const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tsFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

const isEnvVar = (value: unknown): value is EnvVar<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as EnvVar<unknown>).parse === 'function' && typeof (value as EnvVar<unknown>).describe === 'string';

/** Each app with a config.ts exporting a spec: its name and the spec. */
async function appSpecs(): Promise<{ app: string; spec: Spec }[]> {
  const apps: { app: string; spec: Spec }[] = [];
  for (const app of readdirSync(join(ROOT, 'apps')).sort()) {
    const file = join(ROOT, 'apps', app, 'src/config.ts');
    if (!existsSync(file)) continue;
    const module = (await import(file)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (typeof value === 'object' && value !== null && Object.values(value).length > 0 && Object.values(value).every(isEnvVar)) {
        apps.push({ app, spec: value as Spec });
      }
    }
  }
  return apps;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const shown = (variable: EnvVar<unknown>) => (variable.default === undefined ? 'required' : variable.default === '' ? '(unset)' : `\`${variable.default}\``);

function table(spec: Spec, names: string[], docs: Map<string, string>, missing: string[]): string {
  const rows = names.map((name) => {
    const doc = docs.get(name);
    if (!doc) missing.push(name);
    return `| \`${name}\` | ${cell(shown(spec[name]!))} | ${cell(spec[name]!.describe)} | ${cell(doc ?? '')} |`;
  });
  return ['| variable | default | accepts | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** `# ` lines of at most 100 characters. */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > 100 && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** .env.example from docker-compose.yml: every ${VAR:-default} it reads, in order of first use. */
function envExample(specs: Map<string, { app: string; spec: Spec }>, docsOf: (app: string) => Map<string, string>, missing: string[]): string {
  const text = ['docker-compose.yml', 'docker-compose.ports.yml']
    .map((file) => readFileSync(join(ROOT, file), 'utf8'))
    .join('\n')
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n');
  // A variable passed through to a service setting (`KEY: ${VAR:-}` under a service): the
  // spec's default applies. Read line by line: services are the 2-space keys under `services:`.
  const passedTo = new Map<string, { services: string[]; key: string }>();
  let service = '';
  for (const line of text.split('\n')) {
    const header = /^ {2}([a-z][\w-]*):\s*$/.exec(line);
    if (header) service = header[1]!;
    const passed = /^\s+([A-Z][A-Z0-9_]*):\s*"?\$\{([A-Z0-9_]+):-\}"?\s*$/.exec(line);
    if (passed && service) {
      const seen = passedTo.get(passed[2]!);
      if (seen && seen.key !== passed[1]) throw new Error(`docker-compose.yml passes ${passed[2]} to ${seen.key} and to ${passed[1]}`);
      passedTo.set(passed[2]!, { services: [...(seen?.services ?? []), service], key: passed[1]! });
    }
  }
  const lines = [
    '# Generated from docker-compose.yml and the services\' settings by `npm run docs`; do not edit.',
    '# Copy to .env (git-ignored) and change what you need; docker compose reads it. Each value',
    '# below is what a variable gets when it is unset.',
  ];
  const seen = new Set<string>();
  for (const [, name, fallback] of text.matchAll(/\$\{([A-Z0-9_]+):-([^}]*)\}/g)) {
    if (seen.has(name!)) continue;
    seen.add(name!);
    const target = passedTo.get(name!);
    if (target) {
      const defaults = new Set<string>();
      for (const service of target.services) {
        const variable = specs.get(service)?.spec[target.key];
        if (!variable) throw new Error(`docker-compose.yml passes ${name} to ${service}'s ${target.key}, which its spec does not have`);
        defaults.add(variable.default ?? '');
      }
      if (defaults.size > 1) throw new Error(`docker-compose.yml passes ${name} to services whose ${target.key} defaults differ`);
      const doc = docsOf(target.services[0]!).get(target.key);
      if (!doc) missing.push(target.key);
      lines.push('', ...comment(`${target.services.join(', ')}: ${target.key}. ${doc ?? ''}`), `${name}=${[...defaults][0]}`);
    } else {
      if (fallback === '') throw new Error(`docker-compose.yml reads \${${name}:-} but passes it to no service setting`);
      const doc = composeDoc(name!);
      if (!doc) missing.push(`${name} (docker-compose.yml: add it to COMPOSE_DOCS in tools/scripts/env-docs.ts)`);
      lines.push('', ...comment(doc ?? ''), `${name}=${fallback}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function replaceBlock(file: string, name: string, body: string): string {
  const text = readFileSync(file, 'utf8');
  const begin = `<!-- generated:env ${name} -->`;
  const end = '<!-- /generated:env -->';
  const start = text.indexOf(begin);
  const stop = start < 0 ? -1 : text.indexOf(end, start);
  if (start < 0 || stop < 0) throw new Error(`${relative(ROOT, file)} has no "${begin}" ... "${end}" block`);
  return `${text.slice(0, start + begin.length)}\n${body}\n${text.slice(stop)}`;
}

async function main() {
  const check = process.argv.includes('--check');
  // The libs' docs, then each app's own over them (an app may say what its DATA is); each file parsed once.
  const docs = docComments(tsFiles(join(ROOT, 'libs')).filter((file) => file.includes('/src/')));
  const appDocs = new Map<string, Map<string, string>>();
  const docsOf = (app: string) => {
    let merged = appDocs.get(app);
    if (!merged) appDocs.set(app, (merged = new Map([...docs, ...docComments([join(ROOT, 'apps', app, 'src/config.ts')])])));
    return merged;
  };
  const missing: string[] = [];
  const base = baseServiceEnv({ port: 0 }) as Spec;
  const baseNames = Object.keys(base);
  const outputs = new Map<string, string>();

  const runtimeReadme = join(ROOT, 'libs/runtime/README.md');
  const baseSpec: Spec = {
    ...base,
    PORT: { ...base.PORT!, default: "each service's own" },
    METRICS_PORT: { ...base.METRICS_PORT!, default: "each service's own" },
  };
  outputs.set(runtimeReadme, replaceBlock(runtimeReadme, 'base', table(baseSpec, baseNames, docs, missing)));

  const specs = new Map<string, { app: string; spec: Spec }>();
  for (const { app, spec } of await appSpecs()) {
    specs.set(app, { app, spec });
    const readme = join(ROOT, 'apps', app, 'README.md');
    if (!existsSync(readme)) throw new Error(`apps/${app}/README.md is missing (it documents the service's settings)`);
    const own = ['PORT', 'METRICS_PORT', ...Object.keys(spec).filter((name) => !baseNames.includes(name))];
    const body = `${table(spec, own, docsOf(app), missing)}\n\nPlus every service's base settings: [libs/runtime](../../libs/runtime/README.md#settings).`;
    outputs.set(readme, replaceBlock(readme, app, body));
  }
  outputs.set(join(ROOT, '.env.example'), envExample(specs, docsOf, missing));

  if (missing.length > 0) {
    console.error(`settings without a doc comment in their spec: ${[...new Set(missing)].join(', ')}`);
    process.exit(1);
  }
  const stale = [...outputs].filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text).map(([file]) => relative(ROOT, file));
  if (check) {
    if (stale.length > 0) {
      console.error(`stale settings docs (regenerate with \`npm run docs\` and commit): ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log(`settings docs are fresh (${outputs.size} files)`);
    return;
  }
  for (const [file, text] of outputs) writeFileSync(file, text);
  console.log(stale.length > 0 ? `wrote ${stale.join(', ')}` : 'settings docs were fresh');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
