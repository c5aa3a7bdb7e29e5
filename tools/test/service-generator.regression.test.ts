// Regression: generating a service once broke the generator's own tests (they seeded their
// tree from the live workspace and expected the template's port 50053 and namespaces, so
// `nx g ... inventory` made 18 fail and `stock-level` 6). Here the whole unit suite runs in
// a workspace on disk that already holds a generated inventory-service and
// stock-level-service, the generator's own output: every expectation must still hold.
import { logger } from '@nx/devkit';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import serviceGenerator from '../generators/service/index';
import { deriveServiceNames } from '../generators/service/service-names';
import { repoRoot, workspaceTree, writeTree } from './support/seed-tree';

jest.setTimeout(60_000);
jest.spyOn(logger, 'info').mockImplementation(() => undefined);

const GENERATED = ['inventory', 'stock-level'];

interface JestResults {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}

describe('the unit suite, in a workspace that already holds generated services', () => {
  let root: string;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`passes in full with ${GENERATED.map((name) => `${name}-service`).join(' and ')} generated`, async () => {
    root = mkdtempSync(join(tmpdir(), 'grpc-ts-generator-regression-'));
    // The live workspace's generator inputs, plus the two services as the generator writes
    // them (unless the workspace has them already), plus the folders protos:generate makes.
    const tree = workspaceTree();
    for (const name of GENERATED) {
      const { snakeName } = deriveServiceNames(name);
      try {
        await serviceGenerator(tree, { name }); // its post-generation task is not run
        tree.write(`packages/protos/src/gen/${snakeName}/.keep`, '');
      } catch (error) {
        // The workspace uses the name already (e.g. the user generated it): that is the case
        // this test is about, so it stays as the workspace has it.
        if (!/already exists/.test((error as Error).message)) throw error;
      }
    }
    writeTree(tree, root);
    // The suite itself, and what it runs with, from this checkout.
    for (const path of ['tools', 'jest.preset.js', 'tsconfig.base.json']) cpSync(join(repoRoot, path), join(root, path), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));

    const resultsFile = join(root, 'results.json');
    const output = await runJest(root, ['-c', 'tools/jest.config.js', 'tools/test/service-generator.test.ts', '--ci', '--json', `--outputFile=${resultsFile}`]);
    if (!existsSync(resultsFile)) throw new Error(`jest wrote no results:\n${output}`);
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as JestResults;
    if (results.numFailedTests > 0) throw new Error(`${results.numFailedTests} unit tests failed there:\n${output}`);
    expect(results.numPendingTests).toBe(0);
    expect(results.numPassedTests).toBe(results.numTotalTests);
    expect(results.numTotalTests).toBeGreaterThanOrEqual(30);
  });
});

/** Runs Jest in `cwd`; resolves with its combined output when it exits. */
function runJest(cwd: string, args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The outer run's Jest and Nx variables, and its summary file, must not reach the inner run.
    if (!key.startsWith('JEST_') && !key.startsWith('NX_') && key !== 'TEST_SUMMARY_FILE') env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(cwd, 'node_modules/jest/bin/jest.js'), ...args], {
      cwd,
      env: { ...env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(output));
  });
}
