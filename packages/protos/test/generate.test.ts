// generate and check-generated as processes, in a throwaway git checkout of the protos:
// an unchanged run writes nothing, and the check judges what git would commit, never the
// work tree a concurrent `protos:generate` may be rewriting.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = join(__dirname, '../../..');
const GEN = 'packages/protos/src/gen';

async function sh(cwd: string, script: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('protos generate / check-generated', () => {
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'protos-generate-'));
    for (const path of ['buf.yaml', 'packages/protos/proto', 'packages/protos/buf.gen.yaml', 'packages/protos/buf.gen.es.yaml', 'packages/protos/scripts', GEN]) {
      cpSync(join(repo, path), join(root, path), { recursive: true });
    }
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    const init = await sh(root, 'git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm base');
    expect(init.code).toBe(0);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('rewrites nothing when nothing changed (a cache-free run restarts no tsx watch)', async () => {
    const file = join(root, GEN, 'routeguide/route_guide.ts');
    const before = statSync(file);
    const result = await sh(root, 'bash packages/protos/scripts/generate.sh');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/0 written, 0 removed/);
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('passes while the work tree is mid-rewrite: it reads git, not the files being written', async () => {
    // What a concurrent generate looked like to the old check: a file briefly missing.
    const descriptor = join(root, GEN, 'descriptor-set.ts');
    const saved = readFileSync(descriptor);
    unlinkSync(descriptor);
    try {
      const result = await sh(root, 'bash packages/protos/scripts/check-generated.sh');
      expect(result).toMatchObject({ code: 0, out: expect.stringContaining('up to date') });
    } finally {
      writeFileSync(descriptor, saved);
    }
  });

  it('fails on stale committed code, naming the fix', async () => {
    const file = join(root, GEN, 'services/prod.ts');
    writeFileSync(file, `${readFileSync(file, 'utf8')}// edited by hand\n`);
    await sh(root, `git add ${GEN}`);
    const result = await sh(root, 'bash packages/protos/scripts/check-generated.sh');
    expect(result.code).toBe(1);
    expect(result.out).toContain("run 'npm run generate' and commit the result");
    // generate repairs exactly that file, and the check passes once it is staged.
    expect((await sh(root, 'bash packages/protos/scripts/generate.sh')).out).toMatch(/1 written, 0 removed/);
    await sh(root, `git add ${GEN}`);
    expect((await sh(root, 'bash packages/protos/scripts/check-generated.sh')).code).toBe(0);
  });
});
