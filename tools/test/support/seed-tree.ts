// An in-memory workspace holding copies of the real files the service generator reads, so
// the unit tests follow the repository as it is (protos index, Dockerfile, compose, apps).
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '../../..');

function seedFile(tree: Tree, path: string): void {
  const real = join(repoRoot, path);
  if (existsSync(real)) tree.write(path, readFileSync(real));
}

export interface SeedOptions {
  /** Leave these root files out (e.g. to check the generator copes without them). */
  without?: string[];
}

export function seededTree({ without = [] }: SeedOptions = {}): Tree {
  const tree = createTreeWithEmptyWorkspace();
  // The empty workspace configures oxfmt; this repository configures no formatter.
  tree.delete('.oxfmtrc.json');
  const files = [
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
  for (const app of readdirSync(join(repoRoot, 'apps'))) {
    files.push(`apps/${app}/project.json`, `apps/${app}/package.json`, `apps/${app}/src/config.ts`);
  }
  for (const file of files.filter((f) => !without.includes(f))) seedFile(tree, file);
  // The generated code of the protos the repo has, as directory markers.
  for (const dir of ['services', 'routeguide', 'health/v1']) tree.write(`packages/protos/src/gen/${dir}/.keep`, '');
  return tree;
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
