// nx g @grpc-ts/tools:service <name>: a new gRPC service that passes buf lint, typecheck,
// its tests and its build the moment it is generated. Everything is checked before anything
// is written, so a bad or taken name leaves the workspace untouched.
import { formatFiles, generateFiles, getProjects, logger, type GeneratorCallback, type Tree } from '@nx/devkit';
import { join } from 'node:path';
import { addComposeService, addDockerfileStage, dockerConflicts } from './docker-wiring';
import { pickMetricsHostPort, pickServicePort } from './ports';
import { postGenerateTask } from './post-generate';
import { PROTO_MODULE_ROOT, protoPath, protosConflicts, reExportModulePath, wireProtosExports } from './protos-wiring';
import type { ServiceGeneratorSchema } from './schema';
import { deriveServiceNames, validateServiceName, type ServiceNames } from './service-names';

export interface PlannedService {
  names: ServiceNames;
  appRoot: string;
  port: number;
  metricsHostPort: number;
}

/** Validates the options against the workspace and works out what to write; writes nothing. */
export function planService(tree: Tree, options: ServiceGeneratorSchema): PlannedService {
  const names = deriveServiceNames(validateServiceName(options.name));
  const appRoot = `apps/${names.projectName}`;
  const conflicts = protosConflicts(tree, names);
  if (getProjects(tree).has(names.projectName)) conflicts.push(`an Nx project named ${names.projectName} exists`);
  if (tree.exists(appRoot)) conflicts.push(`${appRoot} exists`);
  conflicts.push(...dockerConflicts(tree, names));
  if (conflicts.length > 0) {
    throw new Error(`Service "${names.name}" already exists or clashes with existing files: ${conflicts.join('; ')}. Nothing was written.`);
  }
  const port = pickServicePort(tree, options.port);
  return { names, appRoot, port, metricsHostPort: pickMetricsHostPort(tree, [port]) };
}

export default async function serviceGenerator(tree: Tree, options: ServiceGeneratorSchema): Promise<GeneratorCallback | undefined> {
  const plan = planService(tree, options);
  const { names, appRoot, port } = plan;
  const substitutions = { ...names, port, appRoot };

  generateFiles(tree, join(__dirname, 'files/proto'), PROTO_MODULE_ROOT, substitutions);
  generateFiles(tree, join(__dirname, 'files/app'), appRoot, substitutions);
  wireProtosExports(tree, names);
  const notes = [
    `${protoPath(names)}: package ${names.protoPackage}, service ${names.protoService}, rpc ${names.rpcName}`,
    `${reExportModulePath(names)}: import { ${names.propertyName} } from '@grpc-ts/protos'`,
    `${appRoot}: project ${names.projectName}, default PORT ${port}`,
    addDockerfileStage(tree, names, port),
    addComposeService(tree, names, port, plan.metricsHostPort),
  ];
  // A no-op unless the workspace configures a formatter (it has none today); the templates are formatted.
  await formatFiles(tree);
  for (const note of notes) logger.info(`  ${note}`);

  if (options.skipGenerate) {
    logger.warn('Skipped: run `npx nx run protos:generate` before building or testing the new service, and `npm install`.');
    return undefined;
  }
  return postGenerateTask(tree.root, names.projectName);
}
