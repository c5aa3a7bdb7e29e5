// Picks ports for a new service that no existing app, Dockerfile stage or compose entry
// uses, by reading them where they are declared.
import { joinPathFragments, type Tree } from '@nx/devkit';

/** prod-service has 50051 and route-guide 50052: new services count up from here. */
export const FIRST_SERVICE_PORT = 50053;
/** The metrics port every service listens on inside its container (METRICS_PORT default). */
export const CONTAINER_METRICS_PORT = 9464;

const SERVICE_PORT_DEFAULT = /baseServiceEnv\(\s*\{\s*port:\s*(\d+)/g;
const DOCKER_EXPOSE = /^\s*EXPOSE\s+(.+)$/gm;
// `"${ADDR:-127.0.0.1}:${X_PORT:-50051}:50051"` or `"50051:50051"`: the host and container sides.
const COMPOSE_PORT_MAPPING = /(?:\$\{[A-Za-z0-9_]+:-(\d+)\}|\b(\d+)):(\d+)"?\s*$/gm;

function filesUnder(tree: Tree, dir: string): string[] {
  if (!tree.exists(dir)) return [];
  if (tree.isFile(dir)) return [dir];
  return tree.children(dir).flatMap((child) => filesUnder(tree, joinPathFragments(dir, child)));
}

function matches(text: string, pattern: RegExp): RegExpExecArray[] {
  return [...text.matchAll(pattern)];
}

/** Default PORTs of the apps' configs, EXPOSEd ports and both sides of compose port mappings. */
export function usedServicePorts(tree: Tree, dockerfile = 'Dockerfile', compose = 'docker-compose.yml'): Map<number, string> {
  const used = new Map<number, string>();
  const note = (port: number, where: string) => {
    if (!used.has(port)) used.set(port, where);
  };
  const apps = tree.exists('apps') ? tree.children('apps') : [];
  for (const app of apps) {
    for (const file of filesUnder(tree, `apps/${app}/src`).filter((f) => f.endsWith('.ts'))) {
      for (const m of matches(tree.read(file, 'utf-8') ?? '', SERVICE_PORT_DEFAULT)) note(Number(m[1]), file);
    }
  }
  if (tree.exists(dockerfile)) {
    for (const m of matches(tree.read(dockerfile, 'utf-8') ?? '', DOCKER_EXPOSE)) {
      for (const word of m[1]!.split(/\s+/)) if (/^\d+$/.test(word)) note(Number(word), dockerfile);
    }
  }
  for (const port of composeHostPorts(tree, compose)) note(port, compose);
  return used;
}

/** Host-side defaults of the compose port mappings (the container sides repeat across services). */
export function composeHostPorts(tree: Tree, compose = 'docker-compose.yml'): Set<number> {
  const ports = new Set<number>();
  if (!tree.exists(compose)) return ports;
  for (const m of matches(tree.read(compose, 'utf-8') ?? '', COMPOSE_PORT_MAPPING)) ports.add(Number(m[1] ?? m[2]));
  return ports;
}

/** The requested port if it is free (else an error naming its user), or the next free one. */
export function pickServicePort(tree: Tree, requested?: number): number {
  const used = usedServicePorts(tree);
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > 65535) {
      throw new Error(`--port must be an integer from 1 to 65535, got ${requested}.`);
    }
    const user = used.get(requested);
    if (user) throw new Error(`Port ${requested} is already used (${user}); pick another with --port.`);
    if (requested === CONTAINER_METRICS_PORT) throw new Error(`Port ${requested} is the services' metrics port; pick another.`);
    return requested;
  }
  let port = FIRST_SERVICE_PORT;
  while (used.has(port)) port++;
  return port;
}

/** The first host port from 9464 up that compose does not publish yet, for the new /metrics. */
export function pickMetricsHostPort(tree: Tree, taken: number[] = []): number {
  const used = composeHostPorts(tree);
  let port = CONTAINER_METRICS_PORT;
  while (used.has(port) || taken.includes(port)) port++;
  return port;
}
