// One docker compose project for the e2e test, driven through the npm `docker-compose`
// package: the v2 plugin (`docker compose`) when installed, else the v1 CLI (`docker-compose`).
// Container state comes from `docker inspect`, which both versions share.
import { execFile, spawnSync } from 'node:child_process';
import * as compose from 'docker-compose';
import { buildFailureMessage, tail } from './build-failure';

export { tail };

export interface ComposeTool {
  /** true: the v1 `docker-compose` binary; false: the `docker compose` plugin. */
  standalone: boolean;
  version: string;
}

/** A usable Docker engine and compose, or the reason there is none (the test then skips). */
export function probeDocker(): { tool: ComposeTool } | { reason: string } {
  const run = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  const info = run('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (info.error) return { reason: `no docker CLI (${info.error.message})` };
  if (info.status !== 0) return { reason: `no Docker engine reachable (${firstLine(info.stderr) || `exit ${info.status}`})` };
  const plugin = run('docker', ['compose', 'version', '--short']);
  if (plugin.status === 0) return { tool: { standalone: false, version: plugin.stdout.trim() } };
  const v1 = run('docker-compose', ['version', '--short']);
  if (v1.status === 0) return { tool: { standalone: true, version: v1.stdout.trim() } };
  return { reason: 'Docker engine found, but neither `docker compose` (v2) nor `docker-compose` (v1) is installed' };
}

export interface CommandResult {
  exitCode: number | null;
  out: string;
  err: string;
}

/** What `docker inspect` tells about a container, reduced to what the test reads. */
export interface ContainerState {
  id: string;
  status: string;
  exitCode: number;
  health?: string;
  lastHealthOutput?: string;
  user: string;
  memoryBytes: number;
  healthcheckTest: string[];
}

export class ComposeStack {
  constructor(
    private readonly tool: ComposeTool,
    readonly projectName: string,
    private readonly cwd: string,
    /** Variables for compose's interpolation (added to this process's environment). */
    private readonly env: Record<string, string>,
  ) {}

  private options(commandOptions: string[] = []): compose.IDockerComposeOptions {
    return {
      cwd: this.cwd,
      // The ports overlay publishes the backends too, so the test can probe them from the host.
      config: ['docker-compose.yml', 'docker-compose.ports.yml'],
      executable: this.tool.standalone ? { standalone: true } : undefined,
      composeOptions: [['--project-name', this.projectName]],
      commandOptions,
      env: { ...process.env, ...this.env },
      log: false,
    };
  }

  /** Runs a compose command; resolves with its result whatever its exit code. */
  async exec(command: string, args: string[], commandOptions: string[] = []): Promise<CommandResult> {
    try {
      return await compose.execCompose(command, args, this.options(commandOptions));
    } catch (failure) {
      // The package rejects with the result object on a non-zero exit, with an Error when
      // the command could not start at all.
      if (failure instanceof Error) throw failure;
      return failure as CommandResult;
    }
  }

  /** Like exec, but a non-zero exit is an error that carries the command's output. */
  async check(command: string, args: string[], commandOptions: string[] = []): Promise<CommandResult> {
    const result = await this.exec(command, args, commandOptions);
    if (result.exitCode !== 0) {
      throw new Error(`compose ${[command, ...args].join(' ')} exited ${result.exitCode}:\n${tail(result.err || result.out, 40)}`);
    }
    return result;
  }

  /** Builds the images (all, or the services named); a failure says when the base image was the cause. */
  async build(services: string[] = []): Promise<CommandResult> {
    const result = await this.exec('build', services);
    if (result.exitCode !== 0) throw new Error(buildFailureMessage(result, this.env.BASE_IMAGE));
    return result;
  }

  up(): Promise<CommandResult> {
    return this.check('up', ['--detach', '--no-build']);
  }

  /**
   * A one-off container of `service` on the stack's network; never starts other services.
   * `env` adds or (with '') blanks variables of its environment; `entrypoint` replaces the image's.
   */
  run(service: string, args: string[], { env = {}, entrypoint }: { env?: Record<string, string>; entrypoint?: string } = {}): Promise<CommandResult> {
    const options = [
      '--rm',
      '--no-deps',
      ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      ...(entrypoint ? ['--entrypoint', entrypoint] : []),
    ];
    return this.exec('run', ['-T', service, ...args], options);
  }

  /** Copies a file out of a service's container (running or exited) with `docker cp`. */
  async copyFrom(service: string, path: string, destination: string): Promise<void> {
    await docker(['cp', `${await this.containerId(service)}:${path}`, destination]);
  }

  /** `node --version` in a service's image (which Node the base image brought). */
  async nodeVersion(service: string): Promise<string> {
    const { out } = await this.check('run', ['-T', service, '--version'], ['--rm', '--no-deps', '--entrypoint', 'node']);
    return out.trim();
  }

  stop(service: string): Promise<CommandResult> {
    return this.check('stop', [service]);
  }

  start(service: string): Promise<CommandResult> {
    return this.check('start', [service]);
  }

  async logs(services: string[]): Promise<string> {
    const result = await this.exec('logs', ['--no-color', ...services]);
    return result.out + result.err;
  }

  /** Removes containers, networks and volumes (images stay, as build cache). */
  down(): Promise<CommandResult> {
    return this.exec('down', ['--volumes', '--remove-orphans', '--timeout', '20']);
  }

  /** Every container of a service (several for a service with replicas). */
  async containerIds(service: string): Promise<string[]> {
    const { out } = await this.check('ps', ['--all', '--quiet', service]);
    const ids = out.trim().split('\n').filter(Boolean);
    if (ids.length === 0) throw new Error(`no container for service ${service} in project ${this.projectName}`);
    return ids;
  }

  async containerId(service: string): Promise<string> {
    return (await this.containerIds(service))[0]!;
  }

  /** The host port a container port is published on (`index`: which replica, from 1). */
  async publishedPort(service: string, containerPort: number, index = 1): Promise<number> {
    const { out } = await this.check('port', ['--index', String(index), service, String(containerPort)]);
    const port = Number(out.trim().split(':').pop());
    if (!Number.isInteger(port) || port <= 0) throw new Error(`unexpected \`port\` output for ${service}: ${out}`);
    return port;
  }

  async inspect(service: string, index = 1): Promise<ContainerState> {
    const id = (await this.containerIds(service))[index - 1];
    if (!id) throw new Error(`${service} has no replica ${index}`);
    const [raw] = JSON.parse(await docker(['inspect', id])) as DockerInspect[];
    if (!raw) throw new Error(`docker inspect ${id}: no result`);
    const log = raw.State.Health?.Log ?? [];
    return {
      id,
      status: raw.State.Status,
      exitCode: raw.State.ExitCode,
      health: raw.State.Health?.Status,
      lastHealthOutput: log[log.length - 1]?.Output.trim(),
      user: raw.Config.User,
      memoryBytes: raw.HostConfig.Memory,
      healthcheckTest: raw.Config.Healthcheck?.Test ?? [],
    };
  }

  /** Waits until every container of every service reports healthy; fails early and says why. */
  async waitHealthy(services: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const replicas = await Promise.all(services.map(async (service) => (await this.containerIds(service)).length));
      const states = (await Promise.all(services.map((service, i) => Promise.all(Array.from({ length: replicas[i]! }, (_, r) => this.inspect(service, r + 1)))))).flat();
      const names = services.flatMap((service, i) => Array.from({ length: replicas[i]! }, (_, r) => (replicas[i]! > 1 ? `${service}#${r + 1}` : service)));
      if (states.every((state) => state.health === 'healthy')) return;
      const dead = states.findIndex((state) => state.status === 'exited' || state.health === 'unhealthy');
      if (dead >= 0 || Date.now() > deadline) {
        const report = states.map(
          (state, i) =>
            `${names[i]}: ${state.status}, health ${state.health ?? 'none'} (last check: ${state.lastHealthOutput ?? '-'})`,
        );
        const why = dead >= 0 ? `${names[dead]} failed` : `not healthy within ${timeoutMs / 1000} s`;
        throw new Error(`${why}\n${report.join('\n')}\nlogs:\n${tail(await this.logs(services), 40)}`);
      }
      await sleep(500);
    }
  }

  /** Waits for a service's container to exit; returns its exit code. */
  async waitExit(service: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.inspect(service);
      if (state.status === 'exited') return state.exitCode;
      if (Date.now() > deadline) throw new Error(`${service} still ${state.status} after ${timeoutMs / 1000} s`);
      await sleep(500);
    }
  }
}

interface DockerInspect {
  State: { Status: string; ExitCode: number; Health?: { Status: string; Log?: { Output: string }[] } };
  Config: { User: string; Healthcheck?: { Test?: string[] } };
  HostConfig: { Memory: number };
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.join(' ')}: ${firstLine(stderr) || error.message}`));
      else resolve(stdout);
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
