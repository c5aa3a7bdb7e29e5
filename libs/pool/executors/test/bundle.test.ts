// The executors in an esbuild bundle (tools/scripts/bundle-service.mjs), run with plain node
// from a temp dir with no node_modules above it: the worker entries, piscina's thread entry
// and the task module must all be files beside main.js.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // No NODE_OPTIONS or NODE_PATH from the test runner: the bundle must stand alone.
  const env = { PATH: process.env.PATH ?? '' };
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

function hasNodeModulesAbove(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) return true;
    if (dirname(at) === at) return false;
  }
}

describe('executors in a bundle', () => {
  let outdir: string;
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'executors-bundle-'));
    const built = await run(process.execPath, [join(root, 'tools/scripts/bundle-service.mjs'), join(__dirname, 'bundle-app/main.ts'), outdir], root);
    if (built.code !== 0) throw new Error(`bundling failed:\n${built.stderr}`);
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('emits the worker entries and the task module beside main.js', () => {
    expect(hasNodeModulesAbove(outdir)).toBe(false);
    expect(readdirSync(outdir)).toEqual(expect.arrayContaining(['main.js', 'worker.js', 'workers', 'tasks']));
    expect(readdirSync(join(outdir, 'workers'))).toEqual(expect.arrayContaining(['thread-worker.js', 'process-worker.js']));
    expect(readdirSync(join(outdir, 'tasks'))).toContain('bundle-tasks.js');
  });

  it('runs every kind, replaces a crashed worker and closes, with plain node', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [join(outdir, 'main.js')], outdir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(stdout);
    expect(report.taskModule).toBe(join(outdir, 'tasks/bundle-tasks.js'));
    const route = { type: '[object Int32Array]', sum: 10 };
    const after = { type: '[object Int32Array]', sum: 5 };
    expect(report.inline).toMatchObject({ route, after, sameProcess: true, mainThread: true, crash: null });
    expect(report.threads).toMatchObject({ route, after, sameProcess: true, mainThread: false, crash: { kind: 'worker-crashed', detail: 'exit code 3' } });
    expect(report.processes).toMatchObject({ route, after, sameProcess: false, crash: { kind: 'worker-crashed', detail: 'exit code 3' } });
    for (const kind of ['threads', 'processes']) {
      expect(report[kind].stats).toMatchObject({ name: `bundled-${kind}`, workers: 0, completed: 3, failed: 1 });
    }
  });

  it('says what is missing when a bundle lacks piscina\'s worker.js, instead of hanging', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'executors-bundle-broken-'));
    try {
      cpSync(outdir, broken, { recursive: true });
      rmSync(join(broken, 'worker.js'));
      const { code, stderr } = await run(process.execPath, [join(broken, 'main.js')], broken);
      expect(code).toBe(1);
      expect(stderr).toContain(`piscina's worker.js is missing beside ${broken}`);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
