// In-memory workspaces for the service generator's unit tests, seeded with the files the
// generator reads (protos index and package, proto files, Dockerfile, compose, the apps'
// project/package/config files, the generated-code folders).
//
// Two sources, on purpose:
// - baselineTree(): a fixed copy of the template as it ships, before any service is
//   generated (tools/test/fixtures/baseline-workspace). Tests with exact expectations (the
//   port is 50053, the namespaces are exactly these) use it, so they hold whatever services
//   a user has generated since: the generator's job is to change the live files.
// - workspaceTree(): the live workspace (this checkout). Tests on it must derive their
//   expectations from what the tree holds; they check that the generator copes with the
//   real files as they are today.
import { getProjects, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deriveServiceNames } from '../../generators/service/service-names';

export const repoRoot = join(__dirname, '../../..');
/** The template's files before any `nx g @grpc-ts/tools:service` (see its README.md). */
export const BASELINE_ROOT = join(__dirname, '../fixtures/baseline-workspace');

const GEN_DIR = 'packages/protos/src/gen';
const PROTO_DIR = 'packages/protos/proto';

/** The root files the generator reads or that shape the tree (formatter choice, Nx config). */
export const ROOT_INPUTS = [
  // The real root manifest: formatFiles picks its formatter from it (none here).
  'package.json',
  'nx.json',
  'buf.yaml',
  'Dockerfile',
  'docker-compose.yml',
  'packages/protos/package.json',
  'packages/protos/project.json',
  'packages/protos/src/index.ts',
];

const dirsIn = (dir: string) =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];

function filesUnder(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(root, `${dir}/${entry.name}`) : [`${dir}/${entry.name}`]))
    .sort();
}

/** Paths (relative to root) of every generator input a workspace at `root` has. */
export function generatorInputs(root: string): string[] {
  const files = [...ROOT_INPUTS];
  for (const app of dirsIn(join(root, 'apps'))) {
    files.push(`apps/${app}/project.json`, `apps/${app}/package.json`, `apps/${app}/src/config.ts`);
  }
  files.push(...filesUnder(root, PROTO_DIR).filter((f) => f.endsWith('.proto')));
  return files.filter((f) => existsSync(join(root, f)));
}

export interface SeedOptions {
  /** Leave these root files out (e.g. to check the generator copes without them). */
  without?: string[];
}

/** A tree holding the generator inputs of the workspace at `root`. */
export function seedTree(root: string, { without = [] }: SeedOptions = {}): Tree {
  const tree = createTreeWithEmptyWorkspace();
  // The empty workspace configures oxfmt; this repository configures no formatter.
  tree.delete('.oxfmtrc.json');
  for (const file of generatorInputs(root).filter((f) => !without.includes(f))) {
    tree.write(file, readFileSync(join(root, file)));
  }
  // The generated code only matters as folders (the generator refuses to write into one
  // that exists): a marker per top-level folder, e.g. services, routeguide, health.
  for (const dir of dirsIn(join(root, GEN_DIR))) tree.write(`${GEN_DIR}/${dir}/.keep`, '');
  return tree;
}

/** The template before any service was generated: exact expectations hold on it. */
export function baselineTree(options?: SeedOptions): Tree {
  return seedTree(BASELINE_ROOT, options);
}

/** The live workspace: expectations on it must be derived from what it holds. */
export function workspaceTree(options?: SeedOptions): Tree {
  return seedTree(repoRoot, options);
}

/** Every file of the tree with its content: equal snapshots mean nothing was written. */
export function snapshot(tree: Tree): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = dir ? `${dir}/${child}` : child;
      if (tree.isFile(path)) files.set(path, tree.read(path, 'utf-8') ?? '');
      else walk(path);
    }
  };
  walk('');
  return files;
}

/** Writes every file of the tree under `dir` (to make a workspace on disk out of it). */
export function writeTree(tree: Tree, dir: string): void {
  for (const [path, content] of snapshot(tree)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** The `export * as <name>` namespaces of @grpc-ts/protos, in file order. */
export function protosNamespaces(tree: Tree): string[] {
  const index = tree.read('packages/protos/src/index.ts', 'utf-8') ?? '';
  return [...index.matchAll(/^export \* as (\w+) from '[^']+';$/gm)].map((m) => m[1]!);
}

export interface FreeNameOptions {
  /** Tried in order before numbered `probe-<n>` names. */
  candidates?: string[];
  /** Names to pass over (e.g. one about to be generated). */
  taken?: string[];
}

/**
 * The first candidate none of whose derived names (project, app folder, proto folder,
 * generated-code folder, protos module and namespace, Docker stage, compose service) the
 * tree uses. Checked here, not by asking the generator, so tests can pick a name that is
 * free in whatever workspace they run in.
 */
export function freeServiceName(tree: Tree, { candidates = ['inventory', 'stock-level'], taken = [] }: FreeNameOptions = {}): string {
  const projects = getProjects(tree);
  const namespaces = protosNamespaces(tree);
  const dockerFiles = `${tree.read('Dockerfile', 'utf-8') ?? ''}\n${tree.read('docker-compose.yml', 'utf-8') ?? ''}`;
  const all = [...candidates, ...Array.from({ length: 100 }, (_, i) => `probe-${i + 1}`)];
  const name = all.find((candidate) => {
    const n = deriveServiceNames(candidate);
    return (
      !taken.includes(candidate) &&
      !projects.has(n.projectName) &&
      !tree.exists(`apps/${n.projectName}`) &&
      !tree.exists(`${PROTO_DIR}/${n.snakeName}`) &&
      !tree.exists(`${GEN_DIR}/${n.snakeName}`) &&
      !tree.exists(`packages/protos/src/${n.name}.ts`) &&
      !namespaces.includes(n.propertyName) &&
      !new RegExp(`(^|[^\\w-])${n.projectName}([^\\w-]|$)`, 'm').test(dockerFiles)
    );
  });
  if (!name) throw new Error(`no free service name among ${all.length} candidates`);
  return name;
}
