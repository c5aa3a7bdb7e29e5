// Makes the new proto's ts-proto output part of @grpc-ts/protos' public surface the way the
// existing ones are: a re-export module (src/<name>.ts over ./gen/...), a namespace export
// in src/index.ts and a subpath export in package.json. The generated code itself comes
// from `nx run protos:generate`, which the generator runs after writing the files.
import { updateJson, type Tree } from '@nx/devkit';
import type { ServiceNames } from './service-names';

export const PROTOS_ROOT = 'packages/protos';
export const PROTOS_INDEX = `${PROTOS_ROOT}/src/index.ts`;
export const PROTOS_PACKAGE_JSON = `${PROTOS_ROOT}/package.json`;
export const PROTO_MODULE_ROOT = `${PROTOS_ROOT}/proto`;

const NAMESPACE_EXPORT = /^export \* as (\w+) from '([^']+)';$/gm;

export function reExportModulePath(names: ServiceNames): string {
  return `${PROTOS_ROOT}/src/${names.name}.ts`;
}

export function protoPath(names: ServiceNames): string {
  return `${PROTO_MODULE_ROOT}/${names.protoFile}`;
}

/** Everything in packages/protos that would clash with the new service's; empty when none. */
export function protosConflicts(tree: Tree, names: ServiceNames): string[] {
  const conflicts: string[] = [];
  if (!tree.exists(PROTOS_INDEX)) {
    throw new Error(`${PROTOS_INDEX} not found: run the generator at the root of the grpc-ts workspace.`);
  }
  const namespaces = [...(tree.read(PROTOS_INDEX, 'utf-8') ?? '').matchAll(NAMESPACE_EXPORT)].map((m) => m[1]);
  if (namespaces.includes(names.propertyName)) {
    conflicts.push(`${PROTOS_INDEX} already exports a namespace "${names.propertyName}"`);
  }
  if (tree.exists(reExportModulePath(names))) conflicts.push(`${reExportModulePath(names)} exists`);
  const protoDir = `${PROTO_MODULE_ROOT}/${names.snakeName}`;
  if (tree.exists(protoDir)) conflicts.push(`${protoDir} exists`);
  // ts-proto writes gen/<proto dir>/...: a directory there from another input (such as
  // grpc-health-check's health/v1) would mix two packages' output.
  const genDir = `${PROTOS_ROOT}/src/gen/${names.snakeName}`;
  if (tree.exists(genDir)) conflicts.push(`${genDir} exists (generated code of another proto package)`);
  return conflicts;
}

export function wireProtosExports(tree: Tree, names: ServiceNames): void {
  tree.write(
    reExportModulePath(names),
    `export * from './gen/${names.protoFile.replace(/\.proto$/, '')}';\n`,
  );

  const index = tree.read(PROTOS_INDEX, 'utf-8') ?? '';
  const line = `export * as ${names.propertyName} from './${names.name}';`;
  const existing = [...index.matchAll(NAMESPACE_EXPORT)];
  const last = existing.at(-1);
  // After the last namespace export, so the namespaces stay together; else at the end.
  const updated = last
    ? `${index.slice(0, last.index + last[0].length)}\n${line}${index.slice(last.index + last[0].length)}`
    : `${index.replace(/\n*$/, '\n')}${line}\n`;
  tree.write(PROTOS_INDEX, updated);

  if (tree.exists(PROTOS_PACKAGE_JSON)) {
    updateJson(tree, PROTOS_PACKAGE_JSON, (json: { exports?: Record<string, string> }) => {
      if (json.exports && typeof json.exports === 'object') {
        json.exports[`./${names.name}`] = `./src/${names.name}.ts`;
      }
      return json;
    });
  }
}
