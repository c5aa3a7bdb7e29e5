// A throwaway copy of this workspace to run generators and Nx in without touching the real
// one: the files git knows about (tracked and untracked-but-not-ignored), and a node_modules
// directory of links to the real packages, except the workspace's own packages, which link
// to the copy's folders as npm workspaces would. Nx keeps its cache and data in the copy.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export const repoRoot = join(__dirname, '../../..');
// Every workspace package is @grpc-ts/*: that scope is linked to the copy's folders instead.
const WORKSPACE_SCOPE = '@grpc-ts';
const SKIPPED = /^(node_modules|dist|\.nx|tmp|coverage)(\/|$)/;

export interface RunResult {
  code: number | null;
  output: string;
}

export class TempWorkspace {
  private constructor(readonly root: string) {}

  static create(): TempWorkspace {
    const workspace = new TempWorkspace(mkdtempSync(join(tmpdir(), 'grpc-ts-generator-')));
    workspace.copyFiles();
    workspace.linkNodeModules();
    return workspace;
  }

  /** Env for commands in the copy: Nx offline and confined to it; nothing of the outer run leaks in. */
  get env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // An outer Nx task's variables (e.g. NX_WORKSPACE_ROOT_PATH) would point the inner Nx at
      // the real repo; an outer TEST_SUMMARY_FILE would count the inner tests as the outer's;
      // GIT_DIR and friends would point git in the copy at the real repository.
      if (!key.startsWith('NX_') && !key.startsWith('JEST_') && !key.startsWith('GIT_') && key !== 'TEST_SUMMARY_FILE') {
        env[key] = value;
      }
    }
    return {
      ...env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_USE_LOCAL: 'true',
      NX_TUI: 'false',
      NX_CACHE_DIRECTORY: join(this.root, '.nx/cache'),
      NX_WORKSPACE_DATA_DIRECTORY: join(this.root, '.nx/workspace-data'),
      FORCE_COLOR: '0',
    };
  }

  /** Runs a shell command in the copy; resolves with its exit code and combined output. */
  run(command: string): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', command], { cwd: this.root, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  /** Links every npm workspace package of the copy (call again after generating a new one). */
  linkWorkspacePackages(): void {
    const manifest = JSON.parse(readFileSync(join(this.root, 'package.json'), 'utf8')) as { workspaces: string[] };
    for (const pattern of manifest.workspaces) {
      const dirs = pattern.endsWith('/*')
        ? readdirSync(join(this.root, pattern.slice(0, -2)), { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => join(pattern.slice(0, -2), entry.name))
        : [pattern];
      for (const dir of dirs) {
        const manifestPath = join(this.root, dir, 'package.json');
        if (!existsSync(manifestPath)) continue;
        const { name } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string };
        const link = join(this.root, 'node_modules', name);
        if (existsSync(link)) continue;
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(relative(dirname(link), join(this.root, dir)), link);
      }
    }
  }

  /**
   * Makes the copy a git repository whose `main` branch is the copy as it is now, so checks
   * that compare against main (buf breaking) have a real baseline instead of skipping.
   */
  async commitAsMain(): Promise<void> {
    const git = 'git -c user.name=generator-e2e -c user.email=generator-e2e@localhost -c commit.gpgsign=false';
    const result = await this.run(`git init -q -b main && git add -A && ${git} commit -q -m baseline && git rev-parse --verify main`);
    if (result.code !== 0) throw new Error(`git init of the copy failed:\n${result.output}`);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private copyFiles(): void {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const file of listed.toString('utf8').split('\0')) {
      // Deleted-but-tracked files are listed too; other sessions may be editing the checkout.
      if (!file || SKIPPED.test(file) || !existsSync(join(repoRoot, file))) continue;
      mkdirSync(dirname(join(this.root, file)), { recursive: true });
      copyFileSync(join(repoRoot, file), join(this.root, file));
    }
  }

  private linkNodeModules(): void {
    const real = join(repoRoot, 'node_modules');
    const copy = join(this.root, 'node_modules');
    mkdirSync(copy);
    for (const entry of readdirSync(real)) {
      // Hidden entries (.package-lock.json, caches) stay out: nothing may write through to the real ones.
      if ((entry.startsWith('.') && entry !== '.bin') || entry === WORKSPACE_SCOPE) continue;
      symlinkSync(join(real, entry), join(copy, entry));
    }
    this.linkWorkspacePackages();
  }
}
