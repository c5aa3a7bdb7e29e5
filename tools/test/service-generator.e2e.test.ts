// End to end, in a copy of the workspace: `nx g @grpc-ts/tools:service` twice and then,
// with no manual edit, check-generated, buf lint/format/breaking, typecheck of every
// project, both new services' tests, the generator's own unit tests and the build pass,
// and the built bundle serves its RPC and health check with plain node.
//
// The copy holds whatever services the real workspace has, so the two names are picked
// free in the copy and nothing here assumes a port: generating a service in the real
// workspace must not break this test.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { checkHealth } from '@grpc-ts/protos';
import { listServicesByReflection } from '@grpc-ts/server-kit/testing';
import { spawnService, type ServiceProcess } from '@grpc-ts/test-support';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { deriveServiceNames, type ServiceNames } from '../generators/service/service-names';
import { freeServiceName, seedTree } from './support/seed-tree';
import { repoRoot, TempWorkspace, type RunResult } from './support/temp-workspace';

jest.setTimeout(300_000);

function expectSuccess(result: RunResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output}`);
  return result.output;
}

/** Every Jest summary line of an output; each must have all its tests passed. */
function jestTotals(output: string): { passed: number; total: number }[] {
  return [...output.matchAll(/^Tests:\s+(.*\d+ total)$/gm)].map(([, line]) => ({
    passed: Number(/(\d+) passed/.exec(line!)?.[1] ?? 0),
    total: Number(/(\d+) total/.exec(line!)![1]),
  }));
}

const generate = (name: string) => `npx nx g @grpc-ts/tools:service ${name} --no-interactive`;

describe('nx g @grpc-ts/tools:service, twice, in a copy of the workspace', () => {
  let workspace: TempWorkspace;
  // A one-word and a multi-word service, both free in the copy.
  let first: ServiceNames;
  let second: ServiceNames;
  // What the real repository held for those names before the run, to compare after it.
  let realBefore: Record<string, boolean>;
  const file = (path: string) => join(workspace.root, path);
  const realPaths = (n: ServiceNames) => [
    `apps/${n.projectName}`,
    `packages/protos/proto/${n.snakeName}`,
    `packages/protos/src/gen/${n.snakeName}`,
    `node_modules/${n.packageName}`,
  ];
  const realState = () =>
    Object.fromEntries(
      [first, second].flatMap((n) => [
        ...realPaths(n).map((path) => [path, existsSync(join(repoRoot, path))]),
        [`package-lock.json has ${n.packageName}`, readFileSync(join(repoRoot, 'package-lock.json'), 'utf8').includes(`"${n.packageName}"`)],
      ]),
    ) as Record<string, boolean>;

  beforeAll(async () => {
    workspace = TempWorkspace.create();
    const tree = seedTree(workspace.root);
    first = deriveServiceNames(freeServiceName(tree, { candidates: ['inventory', 'billing', 'ledger', 'catalog'] }));
    second = deriveServiceNames(
      freeServiceName(tree, { candidates: ['stock-level', 'order-history', 'price-list'], taken: [first.name] }),
    );
    realBefore = realState();
    // buf breaking compares against main: the copy before generating is that baseline.
    await workspace.commitAsMain();
  });

  afterAll(() => {
    workspace?.remove();
  });

  it('--dry-run lists the files it would write and writes nothing', async () => {
    const output = expectSuccess(await workspace.run(`${generate(first.name)} --dry-run`), 'dry run');
    expect(output).toContain(`CREATE packages/protos/proto/${first.protoFile}`);
    expect(output).toContain(`CREATE apps/${first.projectName}/src/main.ts`);
    expect(output).toContain('UPDATE packages/protos/src/index.ts');
    expect(existsSync(file(`apps/${first.projectName}`))).toBe(false);
    expect(existsSync(file(`packages/protos/proto/${first.snakeName}`))).toBe(false);
  });

  it('generates two services and their ts-proto code', async () => {
    for (const n of [first, second]) {
      const output = expectSuccess(await workspace.run(generate(n.name)), `the generator (${n.name})`);
      expect(output).toContain(`${n.projectName} is ready`);
      expect(existsSync(file(`packages/protos/src/gen/${n.protoFile.replace(/\.proto$/, '.ts')}`))).toBe(true);
    }
    expect(readFileSync(file('packages/protos/src/gen/descriptor-set.ts'), 'utf8')).toMatch(/descriptorSetBase64/);
    const lock = JSON.parse(readFileSync(file('package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(lock.packages[`apps/${first.projectName}`]).toMatchObject({ name: first.packageName });
    expect(lock.packages[`apps/${second.projectName}`]).toMatchObject({ name: second.packageName });
    workspace.linkWorkspacePackages(); // what `npm install` does for the new workspace packages
  });

  it('gives them different ports, the second above the first', () => {
    const port = (n: ServiceNames) =>
      Number(/baseServiceEnv\(\{ port: (\d+) \}\)/.exec(readFileSync(file(`apps/${n.projectName}/src/config.ts`), 'utf8'))![1]);
    expect(port(second)).toBeGreaterThan(port(first));
  });

  it('refuses to generate one a second time', async () => {
    const result = await workspace.run(generate(first.name));
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`Service "${first.name}" already exists`);
  });

  it('shows the new projects in nx show projects', async () => {
    const output = expectSuccess(await workspace.run('npx nx show projects'), 'nx show projects');
    expect(output.split('\n')).toEqual(expect.arrayContaining([first.projectName, second.projectName]));
  });

  it('passes check-generated, buf lint (no exemption for the new files), buf format and buf breaking against main', async () => {
    // check-generated judges what git would commit: stage the generator's work as a user would.
    expectSuccess(await workspace.run('git add -A'), 'git add');
    const output = expectSuccess(
      await workspace.run(
        'BUF_BREAKING_AGAINST=main npx nx run-many -t check-generated buf-lint buf-format buf-breaking -p protos --outputStyle=static',
      ),
      'protos checks',
    );
    expect(output).toContain('generated code is up to date');
    // Printed only after buf breaking ran: the check compared, it did not skip.
    expect(output).toContain('buf breaking: no breaking change against main');
    const bufYaml = readFileSync(file('buf.yaml'), 'utf8');
    expect(bufYaml).not.toContain(first.snakeName);
    expect(bufYaml).not.toContain(second.snakeName);
  });

  it('leaves the settings docs fresh: each new service\'s README table and .env.example', async () => {
    expectSuccess(await workspace.run('npx nx run tools:check-docs --outputStyle=static'), 'check-docs');
    const file = (path: string) => readFileSync(join(workspace.root, path), 'utf8');
    expect(file(`apps/${first.projectName}/README.md`)).toMatch(/\| `PORT` \| `\d+` \|/);
    expect(file('.env.example')).toContain(`${first.envPrefix}_MAX_CONCURRENT_RPCS=1000`);
  });

  it('typechecks every project', async () => {
    expectSuccess(await workspace.run('npx nx run-many -t typecheck --outputStyle=static'), 'typecheck');
  });

  it("passes both new services' own tests", async () => {
    const output = expectSuccess(
      await workspace.run(`npx nx run-many -t test -p ${first.projectName} ${second.projectName} --outputStyle=static`),
      'the new services’ tests',
    );
    // Socket, process and bundle tests: all of them ran, and all passed, for each service.
    const totals = jestTotals(output);
    expect(totals).toHaveLength(2);
    for (const { passed, total } of totals) {
      expect(passed).toBeGreaterThanOrEqual(12);
      expect(passed).toBe(total);
    }
  });

  // The defect this guards against: the unit tests once read the live workspace and expected
  // the template's numbers, so generating a service made them fail.
  it("passes the generator's own unit tests, with both services in the workspace", async () => {
    const output = expectSuccess(
      await workspace.run(`npx nx test tools --outputStyle=static -- --testPathIgnorePatterns='\\.e2e\\.test\\.ts$'`),
      'nx test tools (unit)',
    );
    expect(output).toContain('tools/test/service-generator.test.ts');
    expect(output).toContain('tools/test/service-generator.regression.test.ts');
    expect(output).not.toContain('service-generator.e2e.test.ts');
    const totals = jestTotals(output);
    expect(totals).toHaveLength(1);
    expect(totals[0]!.passed).toBeGreaterThanOrEqual(30);
    expect(totals[0]!.passed).toBe(totals[0]!.total);
  });

  // The development loop: `serve` runs tsx watch, and nothing else run through Nx meanwhile
  // may rewrite what it watches. (Without the Nx daemon, a target that depended on the cached
  // protos:generate would re-write packages/protos/src/gen on every run and restart it.)
  it('serves in development with nx run <service>:serve, undisturbed by the client run through Nx', async () => {
    const service = await spawnService(
      'npx',
      ['nx', 'run', `${first.projectName}:serve`, '--outputStyle=stream-without-prefixes'],
      {},
      90_000,
      { cwd: workspace.root, processGroup: true, baseEnv: workspace.env },
    );
    try {
      const health = await workspace.run(
        `npx nx run client:serve --outputStyle=static -- health ${service.address} ${first.fullServiceName}`,
      );
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

  it('adds a parseable compose entry for each that builds the Dockerfile\'s service stage, leaving the Dockerfile alone', () => {
    const compose = parseYaml(readFileSync(file('docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { build: { target: string; args: Record<string, string> } }>;
    };
    for (const n of [first, second]) {
      expect(compose.services[n.projectName]?.build).toMatchObject({ target: 'service', args: { APP: n.projectName, HEALTH_SERVICE: n.fullServiceName } });
    }
    expect(readFileSync(file('Dockerfile'), 'utf8')).toBe(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  });

  it('buf breaking really compares: deleting a field of an existing proto fails it', async () => {
    const proto = file('packages/protos/proto/services/prod.proto');
    const text = readFileSync(proto, 'utf8');
    const field = /^\s+int32 prod_id = 1;\n/m.exec(text);
    expect(field).not.toBeNull();
    writeFileSync(proto, text.replace(field![0], ''));
    let broken: RunResult;
    try {
      broken = await workspace.run('BUF_BREAKING_AGAINST=main bash packages/protos/scripts/buf-breaking.sh');
    } finally {
      writeFileSync(proto, text);
    }
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/prod_id.*deleted/i);
  });

  it('left the real repository as it was for those names', () => {
    expect(realState()).toEqual(realBefore);
  });

  describe('the built bundle, run with plain node', () => {
    let service: ServiceProcess | undefined;
    afterAll(async () => {
      await service?.stop('SIGTERM');
    });

    it('builds', async () => {
      expectSuccess(await workspace.run(`npx nx build ${first.projectName} --outputStyle=static`), 'nx build');
      expect(existsSync(file(`dist/apps/${first.projectName}/main.js`))).toBe(true);
    });

    it(`serves its RPC, health and reflection`, async () => {
      service = await spawnService(process.execPath, [file(`dist/apps/${first.projectName}/main.js`)]);
      // A client built from the generated .proto alone, as another language's would be.
      const definition = loadSync(first.protoFile, { includeDirs: [file('packages/protos/proto')] });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const Client = (grpc.loadPackageDefinition(definition) as any)[first.snakeName].v1[first.protoService] as grpc.ServiceClientConstructor;
      const client = new Client(service.address, grpc.credentials.createInsecure()) as grpc.Client &
        Record<string, (request: object, callback: (error: grpc.ServiceError | null, response?: object) => void) => void>;
      const call = (id: string) =>
        new Promise((resolve, reject) =>
          client[first.rpcName]!({ id }, (error, response) => (error ? reject(error) : resolve(response))),
        );
      try {
        await expect(call('item-1')).resolves.toEqual({ item: { id: 'item-1', name: `First ${first.name} item` } });
        await expect(call('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
        await expect(call('')).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      } finally {
        client.close();
      }
      await expect(checkHealth(service.address)).resolves.toBe('SERVING');
      await expect(checkHealth(service.address, first.fullServiceName)).resolves.toBe('SERVING');
      await expect(listServicesByReflection(service.address)).resolves.toContain(first.fullServiceName);
      await expect(service.stop('SIGTERM')).resolves.toBe(0);
      service = undefined;
    });
  });
});
