// The service generator on in-memory workspaces: what it writes, how names map into
// proto/TypeScript/Nx/Docker, and that bad or taken names write nothing. Exact expectations
// run on the template's baseline (a fixture), never on the live files, which change as soon
// as the generator is used for its purpose; the last block runs on the live workspace with
// expectations derived from what it holds.
import { getProjects, logger, readJson, type Tree } from '@nx/devkit';
import { parse as parseYaml } from 'yaml';
import serviceGenerator from '../generators/service/index';
import { hasGenericServiceStage } from '../generators/service/docker-wiring';
import { FIRST_SERVICE_PORT, usedServicePorts, composeHostPorts } from '../generators/service/ports';
import { deriveServiceNames } from '../generators/service/service-names';
import { baselineTree, freeServiceName, protosNamespaces as namespaces, snapshot, workspaceTree } from './support/seed-tree';

// The generator reports what it did through logger.info; keep the test output quiet.
const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);

const read = (tree: Tree, path: string) => {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`${path} was not written`);
  return text;
};

interface ComposeService {
  build: { target: string; context: string; args?: Record<string, string> };
  command?: string[];
  ports: string[];
  environment: Record<string, string>;
  healthcheck: { test: string[]; interval: string };
  networks: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const composeServices = (tree: Tree) =>
  (parseYaml(read(tree, 'docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> }).services;

describe('service generator: inventory', () => {
  let tree: Tree;
  let task: unknown;

  beforeAll(async () => {
    tree = baselineTree();
    task = await serviceGenerator(tree, { name: 'inventory' });
  });

  it('writes the proto, the app with its tests, and the protos re-export module', () => {
    const expected = [
      'packages/protos/proto/inventory/v1/inventory.proto',
      'packages/protos/src/inventory.ts',
      'apps/inventory-service/package.json',
      'apps/inventory-service/project.json',
      'apps/inventory-service/jest.config.js',
      'apps/inventory-service/tsconfig.json',
      'apps/inventory-service/src/config.ts',
      'apps/inventory-service/src/items.ts',
      'apps/inventory-service/src/inventory-service.ts',
      'apps/inventory-service/src/server.ts',
      'apps/inventory-service/src/main.ts',
      'apps/inventory-service/test/inventory-service.test.ts',
      'apps/inventory-service/test/main.test.ts',
      'apps/inventory-service/test/bundle.test.ts',
    ];
    for (const path of expected) expect(tree.exists(path) ? path : `missing ${path}`).toBe(path);
    expect(tree.children('apps/inventory-service/src').filter((f) => f.includes('.template'))).toEqual([]);
  });

  it('declares a versioned proto package with one unary RPC named by the STANDARD rules', () => {
    const proto = read(tree, 'packages/protos/proto/inventory/v1/inventory.proto');
    expect(proto).toContain('package inventory.v1;');
    expect(proto).toContain('service InventoryService {');
    expect(proto).toContain('rpc GetInventoryItem(GetInventoryItemRequest) returns (GetInventoryItemResponse);');
    expect(proto).toMatch(/message InventoryItem \{\n {2}string id = 1;\n {2}string name = 2;\n\}/);
    expect(proto).not.toMatch(/<%|%>/);
  });

  it('exports the new namespace from @grpc-ts/protos next to the existing ones', () => {
    const index = read(tree, 'packages/protos/src/index.ts');
    const namespaces = [...index.matchAll(/^export \* as (\w+) from '\.\/([\w-]+)';$/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(namespaces).toEqual(['prod:prod', 'routeguide:routeguide', 'health:health', 'inventory:inventory']);
    expect(read(tree, 'packages/protos/src/inventory.ts')).toBe("export * from './gen/inventory/v1/inventory';\n");
    expect(readJson(tree, 'packages/protos/package.json').exports['./inventory']).toBe('./src/inventory.ts');
  });

  it('makes an Nx project shaped like prod-service', () => {
    const project = readJson(tree, 'apps/inventory-service/project.json');
    const model = readJson(tree, 'apps/prod-service/project.json');
    expect(project.name).toBe('inventory-service');
    expect(project.tags).toEqual(['type:service', 'scope:inventory']);
    expect(Object.keys(project.targets)).toEqual(Object.keys(model.targets).filter((t) => t !== 'bench'));
    expect(project.targets.build.command).toBe(
      'node tools/scripts/bundle-service.mjs apps/inventory-service/src/main.ts dist/apps/inventory-service',
    );
    expect(readJson(tree, 'apps/inventory-service/package.json')).toMatchObject({
      name: '@grpc-ts/inventory-service',
      dependencies: { '@grpc-ts/protos': '*', '@grpc-ts/server-kit': '*' },
      devDependencies: { '@grpc-ts/runtime': '*', '@grpc-ts/test-support': '*' },
    });
  });

  it('names things in TypeScript from the kebab name (Pascal for types, camel for values)', () => {
    const service = read(tree, 'apps/inventory-service/src/inventory-service.ts');
    expect(service).toContain("import type { inventory } from '@grpc-ts/protos';");
    expect(service).toContain(
      'export function createInventoryService(store: InventoryItemStore): ServiceImpl<typeof inventory.InventoryServiceService>',
    );
    expect(service).toContain('async getInventoryItem({ id }) {');
    const server = read(tree, 'apps/inventory-service/src/server.ts');
    expect(server).toMatch(/\.addService\(\s*inventory\.InventoryServiceService,\s*createInventoryService\(store\),\s*inventoryServicePolicies,\s*\)/);
    expect(server).toContain('export function buildInventoryServer(');
    const main = read(tree, 'apps/inventory-service/src/main.ts');
    expect(main).toContain("name: 'inventory-service',");
    expect(main).toContain('env: inventoryServiceEnv,');
    expect(main).toContain('return buildInventoryServer({ store, ...base });');
  });

  it('gives it the first free port after prod-service (50051) and route-guide (50052)', () => {
    expect(read(tree, 'apps/inventory-service/src/config.ts')).toContain('...baseServiceEnv({ port: 50053 }),');
  });

  it('adds a Dockerfile stage after the other service stages and the project to the build list', () => {
    const dockerfile = read(tree, 'Dockerfile');
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS ([\w-]+)$/gm)].map((m) => m[1]);
    expect(stages.indexOf('inventory-service')).toBe(stages.indexOf('route-guide') + 1);
    expect(stages.at(-1)).toBe('client'); // the default target stays what it was
    expect(dockerfile).toMatch(/nx run-many -t build -p [\w\s-]*\binventory-service\b/);
    const stage = dockerfile.slice(dockerfile.indexOf('FROM runtime AS inventory-service'));
    expect(stage).toContain('COPY --from=build /src/dist/apps/inventory-service ./');
    expect(stage).toContain('EXPOSE 50053 9464');
    expect(stage).toContain('"health", "127.0.0.1:50053", "inventory.v1.InventoryService"]');
    expect(dockerfile).toContain('# >>> inventory-service (generated by nx g @grpc-ts/tools:service)');
  });

  it('adds a compose service that builds that stage, publishes free host ports and checks gRPC health', () => {
    const services = composeServices(tree);
    const entry = services['inventory-service']!;
    expect(entry.build).toMatchObject({ context: '.', target: 'inventory-service' });
    expect(entry.ports).toEqual([
      '${PUBLISH_ADDRESS:-127.0.0.1}:${INVENTORY_SERVICE_PORT:-50053}:50053',
      '${PUBLISH_ADDRESS:-127.0.0.1}:${INVENTORY_SERVICE_METRICS_PORT:-9466}:9464',
    ]);
    expect(entry.healthcheck.test).toEqual([
      'CMD', 'node', '/opt/client/main.js', 'health', '127.0.0.1:50053', 'inventory.v1.InventoryService',
    ]);
    expect(entry.healthcheck.interval).toBeDefined(); // merged from the shared anchor
    expect(entry.networks).toEqual(services['prod-service']!.networks);
    expect(Object.keys(services).slice(0, 4)).toEqual(['certs', 'prod-service', 'route-guide', 'client']);
  });

  it('wires it for mutual TLS and tokens like the template services, and has the certs step issue its certificate', () => {
    const services = composeServices(tree);
    const entry = services['inventory-service']!;
    expect(entry.environment).toMatchObject({
      TLS_CERT_FILE: '/certs/inventory-service.crt',
      TLS_KEY_FILE: '/certs/inventory-service.key',
      CLIENT_CERT_FILE: '/certs/inventory-service.crt',
      CLIENT_KEY_FILE: '/certs/inventory-service.key',
      CLIENT_SERVER_NAME: 'inventory-service',
    });
    // The shared settings come from the same anchor as prod-service's: same keys, same values.
    const shared = ['TLS_CLIENT_CA_FILE', 'AUTH_JWKS_FILE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'CLIENT_CA_FILE'];
    const pick = (env: Record<string, string>) => Object.fromEntries(shared.map((key) => [key, env[key]]));
    expect(pick(entry.environment)).toEqual(pick(services['prod-service']!.environment));
    expect(entry.environment.TLS_CLIENT_CA_FILE).toBe('/certs/ca.crt');
    expect(Object.keys(entry.environment)).not.toEqual(expect.arrayContaining(['PLAINTEXT']));
    expect(Object.keys(entry.environment)).not.toEqual(expect.arrayContaining(['AUTH']));
    expect({ volumes: entry.volumes, depends_on: entry.depends_on }).toEqual({
      volumes: services['prod-service']!.volumes,
      depends_on: { certs: { condition: 'service_completed_successfully' } },
    });
    expect(services.certs!.command).toEqual(['/certs', 'prod-service', 'route-guide', 'inventory-service']);
    expect(read(tree, 'docker-compose.yml')).toContain('      <<: *security-env\n      TLS_CERT_FILE: /certs/inventory-service.crt');
  });

  it('returns a post-generation task (protos:generate, lock file)', () => {
    expect(typeof task).toBe('function');
  });
});

describe('service generator: names', () => {
  it('maps a multi-word name to snake case in proto, Pascal/camel in TypeScript', async () => {
    const tree = baselineTree();
    await serviceGenerator(tree, { name: 'stock-level' });
    const proto = read(tree, 'packages/protos/proto/stock_level/v1/stock_level.proto');
    expect(proto).toContain('package stock_level.v1;');
    expect(proto).toContain('service StockLevelService {');
    expect(proto).toContain('rpc GetStockLevelItem(GetStockLevelItemRequest) returns (GetStockLevelItemResponse);');
    expect(read(tree, 'packages/protos/src/index.ts')).toContain("export * as stockLevel from './stock-level';");
    expect(read(tree, 'packages/protos/src/stock-level.ts')).toBe("export * from './gen/stock_level/v1/stock_level';\n");
    const service = read(tree, 'apps/stock-level-service/src/stock-level-service.ts');
    expect(service).toContain(
      'export function createStockLevelService(store: StockLevelItemStore): ServiceImpl<typeof stockLevel.StockLevelServiceService>',
    );
    expect(service).toContain('async getStockLevelItem({ id }) {');
    expect(read(tree, 'apps/stock-level-service/src/server.ts')).toMatch(
      /\.addService\(\s*stockLevel\.StockLevelServiceService,\s*createStockLevelService\(store\),\s*stockLevelServicePolicies,\s*\)/,
    );
    expect(read(tree, 'apps/stock-level-service/src/config.ts')).toContain('export const stockLevelServiceEnv = {');
    expect(composeServices(tree)['stock-level-service']!.environment.MAX_CONCURRENT_RPCS).toBe(
      '${STOCK_LEVEL_SERVICE_MAX_CONCURRENT_RPCS:-}',
    );
  });

  it.each([
    ['Inventory', /Invalid service name "Inventory": use lower-case kebab case/],
    ['inv_entory', /Invalid service name "inv_entory": use lower-case kebab case/],
    ['1abc', /Invalid service name "1abc": use lower-case kebab case .* starting with a letter/],
    ['', /A service name is required/],
    ['   ', /A service name is required/],
    ['inventory-', /Invalid service name "inventory-"/],
    ['in--ventory', /Invalid service name "in--ventory"/],
    ['inventory service', /Invalid service name "inventory service"/],
    ['inventory-service', /without the "-service" suffix.*did you mean "inventory"/],
    ['class', /"class" .* reserved word/],
  ])('rejects %j with a clear message and writes nothing', async (name, message) => {
    const tree = baselineTree();
    const before = snapshot(tree);
    await expect(serviceGenerator(tree, { name })).rejects.toThrow(message);
    expect(snapshot(tree)).toEqual(before);
  });

  it.each([
    ['prod', /already exports a namespace "prod"/],
    ['health', /already exports a namespace "health".*src\/gen\/health exists/],
    ['route-guide', /an Nx project named route-guide-service exists|apps\/route-guide-service exists/],
  ])('rejects %j, which clashes with what the workspace has, and writes nothing', async (name, message) => {
    const tree = baselineTree();
    if (name === 'route-guide') tree.write('apps/route-guide-service/README.md', 'taken');
    const before = snapshot(tree);
    await expect(serviceGenerator(tree, { name })).rejects.toThrow(message);
    expect(snapshot(tree)).toEqual(before);
  });

  it('rejects a name whose Dockerfile stage or compose service exists already, and writes nothing', async () => {
    const tree = baselineTree();
    tree.write('Dockerfile', `${read(tree, 'Dockerfile')}\nFROM runtime AS legacy-service\n`);
    tree.write('docker-compose.yml', read(tree, 'docker-compose.yml').replace('services:\n', 'services:\n  legacy-service:\n    image: x\n'));
    const before = snapshot(tree);
    await expect(serviceGenerator(tree, { name: 'legacy' })).rejects.toThrow(
      /Dockerfile has a stage named legacy-service; docker-compose.yml has a service legacy-service/,
    );
    expect(snapshot(tree)).toEqual(before);
  });

  it('rejects generating the same service twice, leaving the first one as it was', async () => {
    const tree = baselineTree();
    await serviceGenerator(tree, { name: 'inventory' });
    const before = snapshot(tree);
    await expect(serviceGenerator(tree, { name: 'inventory' })).rejects.toThrow(
      /Service "inventory" already exists .*an Nx project named inventory-service exists.*Nothing was written/,
    );
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('service generator: ports', () => {
  it('counts up past the ports new services already took', async () => {
    const tree = baselineTree();
    await serviceGenerator(tree, { name: 'inventory' });
    await serviceGenerator(tree, { name: 'billing' });
    expect(read(tree, 'apps/billing-service/src/config.ts')).toContain('port: 50054');
    expect(composeServices(tree)['billing-service']!.ports).toEqual([
      '${PUBLISH_ADDRESS:-127.0.0.1}:${BILLING_SERVICE_PORT:-50054}:50054',
      '${PUBLISH_ADDRESS:-127.0.0.1}:${BILLING_SERVICE_METRICS_PORT:-9467}:9464',
    ]);
  });

  it('uses --port when it is free', async () => {
    const tree = baselineTree();
    await serviceGenerator(tree, { name: 'inventory', port: 50100 });
    expect(read(tree, 'apps/inventory-service/src/config.ts')).toContain('port: 50100');
    expect(read(tree, 'Dockerfile')).toContain('EXPOSE 50100 9464');
  });

  it('refuses a --port an app already uses, and writes nothing', async () => {
    const tree = baselineTree();
    const before = snapshot(tree);
    await expect(serviceGenerator(tree, { name: 'inventory', port: 50052 })).rejects.toThrow(
      /Port 50052 is already used \(apps\/route-guide\/src\/config.ts\)/,
    );
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('service generator: Dockerfile and compose', () => {
  it('skips both, with a note, when the files do not exist, and still writes the service', async () => {
    const tree = baselineTree({ without: ['Dockerfile', 'docker-compose.yml'] });
    info.mockClear();
    await serviceGenerator(tree, { name: 'inventory' });
    const printed = info.mock.calls.map((call) => String(call[0])).join('\n');
    expect(printed).toContain('Dockerfile not found: skipped its inventory-service stage');
    expect(printed).toContain('docker-compose.yml not found: skipped its inventory-service entry');
    expect(tree.exists('Dockerfile')).toBe(false);
    expect(tree.exists('docker-compose.yml')).toBe(false);
    expect(tree.exists('apps/inventory-service/src/main.ts')).toBe(true);
  });

  it('inserts above @generated-services markers when the files carry them', async () => {
    const tree = baselineTree({ without: ['Dockerfile', 'docker-compose.yml'] });
    tree.write(
      'Dockerfile',
      [
        'FROM node:20 AS build',
        'RUN npx nx run-many -t build --projects=prod-service,client',
        'FROM node:20 AS runtime',
        'FROM runtime AS prod-service',
        'COPY --from=build /src/dist/apps/prod-service ./',
        '# @generated-services: new service stages go above this line',
        'FROM node:20 AS client',
        '',
      ].join('\n'),
    );
    tree.write(
      'docker-compose.yml',
      ['services:', '  prod-service:', '    image: p', '  # @generated-services', '  client:', '    image: c', ''].join('\n'),
    );
    info.mockClear();
    await serviceGenerator(tree, { name: 'inventory' });
    const dockerfile = read(tree, 'Dockerfile');
    expect(dockerfile).toContain('--projects=prod-service,client,inventory-service');
    expect(dockerfile.indexOf('FROM runtime AS inventory-service')).toBeLessThan(dockerfile.indexOf('# @generated-services'));
    expect(dockerfile.indexOf('FROM runtime AS inventory-service')).toBeGreaterThan(dockerfile.indexOf('AS prod-service'));
    const compose = read(tree, 'docker-compose.yml');
    expect(compose.indexOf('  inventory-service:')).toBeLessThan(compose.indexOf('# @generated-services'));
    const services = composeServices(tree);
    expect(Object.keys(services)).toEqual(['prod-service', 'inventory-service', 'client']);
    // No shared anchors in this file: the entry spells its build, health check and security out.
    expect(services['inventory-service']!.build).toEqual({ context: '.', dockerfile: 'Dockerfile', target: 'inventory-service' });
    expect(services['inventory-service']!.healthcheck.interval).toBe('10s');
    expect(services['inventory-service']!.environment).toMatchObject({
      TLS_CLIENT_CA_FILE: '/certs/ca.crt',
      AUTH_JWKS_FILE: '/certs/jwks.json',
      AUTH_ISSUER: '${AUTH_ISSUER:-https://grpc-ts.local}',
      TLS_CERT_FILE: '/certs/inventory-service.crt',
    });
    // ...and no certs step to issue its certificate: no volume to mount, and the note says so.
    expect(services['inventory-service']!.volumes).toBeUndefined();
    const printed = info.mock.calls.map((call) => String(call[0])).join('\n');
    expect(printed).toContain('no certs step (a "certs" service with command: ["/certs", ...]) to issue /certs/inventory-service.crt');
  });
});

describe('the baseline fixture', () => {
  it('is the template before any service was generated', () => {
    const tree = baselineTree();
    expect(tree.children('apps').sort()).toEqual(['client', 'prod-service', 'route-guide']);
    expect(namespaces(tree)).toEqual(['prod', 'routeguide', 'health']);
    expect(read(tree, 'Dockerfile')).not.toContain('# >>> ');
    expect(read(tree, 'docker-compose.yml')).not.toContain('# >>> ');
  });
});

// The live workspace, with whatever services have been generated in it by now: nothing here
// names a port, a service or a namespace list; every expectation is read from the tree
// before the run. This checks the generator against the real files as they are.
describe('service generator: on the workspace as it is', () => {
  const CANDIDATES = ['inventory', 'stock-level', 'billing', 'order-history'];
  const freeName = (tree: Tree, taken: string[] = []) => freeServiceName(tree, { candidates: CANDIDATES, taken });

  const firstUnused = (used: Set<number> | Map<number, string>, from: number) => {
    let port = from;
    while (used.has(port)) port++;
    return port;
  };

  it('adds a free service next to the ones it holds, on the first free port', async () => {
    const tree = workspaceTree();
    const name = freeName(tree);
    const n = deriveServiceNames(name);
    const before = {
      namespaces: namespaces(tree),
      ports: usedServicePorts(tree),
      hostPorts: composeHostPorts(tree),
      dockerfile: read(tree, 'Dockerfile'),
      compose: Object.keys(composeServices(tree)),
    };
    // The template builds every service from one stage, by build args (the baseline fixture
    // tests the older one-stage-per-service Dockerfile).
    expect(hasGenericServiceStage(before.dockerfile)).toBe(true);
    await serviceGenerator(tree, { name });

    expect(namespaces(tree)).toEqual([...before.namespaces, n.propertyName]);
    expect(getProjects(tree).has(n.projectName)).toBe(true);
    const port = firstUnused(before.ports, FIRST_SERVICE_PORT);
    expect(read(tree, `apps/${n.projectName}/src/config.ts`)).toContain(`...baseServiceEnv({ port: ${port} }),`);
    // The Dockerfile is left alone; compose builds the service stage with this service's args.
    expect(read(tree, 'Dockerfile')).toBe(before.dockerfile);
    const services = composeServices(tree);
    expect(services[n.projectName]!.build).toMatchObject({
      target: 'service',
      args: { BASE_IMAGE: expect.any(String), APP: n.projectName, PORT: String(port), HEALTH_SERVICE: n.fullServiceName },
    });
    expect(Object.keys(services)).toEqual(expect.arrayContaining([...before.compose, n.projectName]));
    const metricsPort = firstUnused(new Set([...before.hostPorts, port]), 9464);
    expect(services[n.projectName]!.ports).toEqual([
      `\${PUBLISH_ADDRESS:-127.0.0.1}:\${${n.envPrefix}_PORT:-${port}}:${port}`,
      `\${PUBLISH_ADDRESS:-127.0.0.1}:\${${n.envPrefix}_METRICS_PORT:-${metricsPort}}:9464`,
    ]);
  });

  it('gives a second new service the next free port', async () => {
    const tree = workspaceTree();
    const first = freeName(tree);
    const second = freeName(tree, [first]);
    const used = usedServicePorts(tree);
    await serviceGenerator(tree, { name: first });
    await serviceGenerator(tree, { name: second });
    const firstPort = firstUnused(used, FIRST_SERVICE_PORT);
    const secondPort = firstUnused(new Set([...used.keys(), firstPort]), FIRST_SERVICE_PORT);
    expect(read(tree, `apps/${first}-service/src/config.ts`)).toContain(`port: ${firstPort} }`);
    expect(read(tree, `apps/${second}-service/src/config.ts`)).toContain(`port: ${secondPort} }`);
  });

  it('rejects every service and namespace the workspace holds already, and writes nothing', async () => {
    const tree = workspaceTree();
    const taken = [
      ...tree.children('apps').filter((app) => app.endsWith('-service')).map((app) => app.slice(0, -'-service'.length)),
      // A namespace export is a service name only when it is valid kebab case (it is, for one-word ones).
      ...namespaces(tree).filter((ns) => /^[a-z][a-z0-9]*$/.test(ns)),
    ];
    expect(taken.length).toBeGreaterThan(0);
    const before = snapshot(tree);
    for (const name of new Set(taken)) {
      await expect(serviceGenerator(tree, { name })).rejects.toThrow(new RegExp(`Service "${name}" already exists`));
    }
    expect(snapshot(tree)).toEqual(before);
  });
});

