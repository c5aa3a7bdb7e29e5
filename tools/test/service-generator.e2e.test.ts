// End to end, in a copy of the workspace: `nx g @grpc-ts/tools:service inventory` and then,
// with no manual edit, buf lint, typecheck, the new service's tests and build pass, and the
// built bundle serves its RPC and health check with plain node. Takes a minute or two.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { checkHealth } from '@grpc-ts/protos';
import { listServicesByReflection } from '@grpc-ts/server-kit/testing';
import { spawnService, type ServiceProcess } from '@grpc-ts/test-support';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot, TempWorkspace, type RunResult } from './support/temp-workspace';

jest.setTimeout(300_000);

const GENERATE = 'npx nx g @grpc-ts/tools:service inventory --no-interactive';

function expectSuccess(result: RunResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output}`);
  return result.output;
}

describe('nx g @grpc-ts/tools:service inventory, in a copy of the workspace', () => {
  let workspace: TempWorkspace;
  const file = (path: string) => join(workspace.root, path);

  beforeAll(() => {
    workspace = TempWorkspace.create();
  });

  afterAll(() => {
    workspace?.remove();
  });

  it('--dry-run lists the files it would write and writes nothing', async () => {
    const output = expectSuccess(await workspace.run(`${GENERATE} --dry-run`), 'dry run');
    expect(output).toContain('CREATE packages/protos/proto/inventory/v1/inventory.proto');
    expect(output).toContain('CREATE apps/inventory-service/src/main.ts');
    expect(output).toContain('UPDATE packages/protos/src/index.ts');
    expect(existsSync(file('apps/inventory-service'))).toBe(false);
    expect(existsSync(file('packages/protos/proto/inventory'))).toBe(false);
  });

  it('generates the service and its ts-proto code', async () => {
    const output = expectSuccess(await workspace.run(GENERATE), 'the generator');
    expect(output).toContain('inventory-service is ready');
    expect(existsSync(file('packages/protos/src/gen/inventory/v1/inventory.ts'))).toBe(true);
    expect(readFileSync(file('packages/protos/src/gen/descriptor-set.ts'), 'utf8')).toMatch(/descriptorSetBase64/);
    const lock = JSON.parse(readFileSync(file('package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(lock.packages['apps/inventory-service']).toMatchObject({ name: '@grpc-ts/inventory-service' });
    workspace.linkWorkspacePackages(); // what `npm install` does for the new workspace package
  });

  it('refuses to generate it a second time', async () => {
    const result = await workspace.run(GENERATE);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/Service "inventory" already exists/);
  });

  it('shows the new project in nx show projects', async () => {
    const output = expectSuccess(await workspace.run('npx nx show projects'), 'nx show projects');
    expect(output.split('\n')).toContain('inventory-service');
  });

  it('passes buf lint (STANDARD, no exemption for the new file) and buf format', async () => {
    expectSuccess(await workspace.run('node_modules/.bin/buf lint'), 'buf lint');
    expectSuccess(await workspace.run('node_modules/.bin/buf format --diff --exit-code'), 'buf format');
    expect(readFileSync(file('buf.yaml'), 'utf8')).not.toContain('inventory');
  });

  it('typechecks protos and the new service', async () => {
    expectSuccess(
      await workspace.run('npx nx run-many -t typecheck -p protos inventory-service --outputStyle=static'),
      'typecheck',
    );
  });

  it("passes the new service's own tests", async () => {
    const output = expectSuccess(
      await workspace.run('npx nx test inventory-service --outputStyle=static'),
      'nx test inventory-service',
    );
    // Socket, process and bundle tests: all of them ran, and all passed.
    const [, passed, total] = /Tests:\s+(\d+) passed, (\d+) total/.exec(output) ?? [];
    expect(Number(passed)).toBeGreaterThanOrEqual(12);
    expect(passed).toBe(total);
  });

  // The development loop: `serve` runs tsx watch, and nothing else run through Nx meanwhile
  // may rewrite what it watches. (Without the Nx daemon, a target that depended on the cached
  // protos:generate would re-write packages/protos/src/gen on every run and restart it.)
  it('serves in development with nx run inventory-service:serve, undisturbed by the client run through Nx', async () => {
    const service = await spawnService(
      'npx',
      ['nx', 'run', 'inventory-service:serve', '--outputStyle=stream-without-prefixes'],
      {},
      90_000,
      { cwd: workspace.root, processGroup: true, baseEnv: workspace.env },
    );
    try {
      const health = await workspace.run(`npx nx run client:serve --outputStyle=static -- health ${service.address} inventory.v1.InventoryService`);
      expect(expectSuccess(health, 'client health')).toContain('SERVING');
      // A restart would show within moments, and with PORT=0 it would move to another port.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await expect(checkHealth(service.address)).resolves.toBe('SERVING');
      expect(service.logs.filter((entry) => entry.msg === 'listening')).toHaveLength(1);
      expect(service.logs.some((entry) => entry.msg === 'stop signal received')).toBe(false);
    } finally {
      await service.stop('SIGTERM');
    }
  });

  it('adds a parseable compose entry and a Dockerfile stage for it', () => {
    if (!existsSync(file('docker-compose.yml'))) return; // the generator skipped it (covered by unit tests)
    const compose = parseYaml(readFileSync(file('docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { build: { target: string } }>;
    };
    expect(compose.services['inventory-service']?.build.target).toBe('inventory-service');
    expect(readFileSync(file('Dockerfile'), 'utf8')).toMatch(/^FROM runtime AS inventory-service$/m);
  });

  it('left the real repository alone', () => {
    expect(existsSync(join(repoRoot, 'apps/inventory-service'))).toBe(false);
    expect(existsSync(join(repoRoot, 'packages/protos/proto/inventory'))).toBe(false);
    expect(existsSync(join(repoRoot, 'node_modules/@grpc-ts/inventory-service'))).toBe(false);
    expect(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')).not.toContain('inventory-service');
  });

  describe('the built bundle, run with plain node', () => {
    let service: ServiceProcess | undefined;
    afterAll(async () => {
      await service?.stop('SIGTERM');
    });

    it('builds', async () => {
      expectSuccess(await workspace.run('npx nx build inventory-service --outputStyle=static'), 'nx build');
      expect(existsSync(file('dist/apps/inventory-service/main.js'))).toBe(true);
    });

    it('serves GetInventoryItem, health and reflection', async () => {
      service = await spawnService(process.execPath, [file('dist/apps/inventory-service/main.js')]);
      // A client built from the generated .proto alone, as another language's would be.
      const definition = loadSync('inventory/v1/inventory.proto', { includeDirs: [file('packages/protos/proto')] });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { InventoryService } = (grpc.loadPackageDefinition(definition) as any).inventory.v1;
      const client = new InventoryService(service.address, grpc.credentials.createInsecure()) as grpc.Client & {
        GetInventoryItem(request: object, callback: (error: grpc.ServiceError | null, response?: object) => void): void;
      };
      const call = (id: string) =>
        new Promise((resolve, reject) => client.GetInventoryItem({ id }, (error, response) => (error ? reject(error) : resolve(response))));
      try {
        await expect(call('item-1')).resolves.toEqual({ item: { id: 'item-1', name: 'First inventory item' } });
        await expect(call('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
        await expect(call('')).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      } finally {
        client.close();
      }
      await expect(checkHealth(service.address)).resolves.toBe('SERVING');
      await expect(checkHealth(service.address, 'inventory.v1.InventoryService')).resolves.toBe('SERVING');
      await expect(listServicesByReflection(service.address)).resolves.toContain('inventory.v1.InventoryService');
      await expect(service.stop('SIGTERM')).resolves.toBe(0);
      service = undefined;
    });
  });
});
