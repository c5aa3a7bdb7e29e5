// What runs after Nx has written the files to disk (never on --dry-run): the ts-proto output
// for the new proto, without which the new app does not compile, and the new workspace
// package in package-lock.json, without which `npm ci` (the Docker build) refuses to run.
import { execSync } from 'node:child_process';

// Keep the nested Nx offline, quiet and daemon-free, as scripts/nx-env.sh does.
const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_USE_LOCAL: 'true', NX_TUI: 'false' };

export const GENERATE_PROTOS = 'npx nx run protos:generate --outputStyle=static';
// The new service's settings table (its README) and .env.example, from its spec.
export const WRITE_DOCS = 'npx tsx tools/scripts/env-docs.ts';
// Lock file only: records the new workspace package without touching node_modules; every
// other entry is already in the lock, so it needs no network.
export const UPDATE_LOCK = 'npm install --package-lock-only --offline --no-audit --no-fund --loglevel=error';

export function postGenerateTask(workspaceRoot: string, serviceProject: string): () => void {
  const run = (command: string) =>
    execSync(command, { cwd: workspaceRoot, stdio: 'inherit', env: { ...NX_ENV, ...process.env } });
  return () => {
    console.log(`\n> ${GENERATE_PROTOS}`);
    try {
      run(GENERATE_PROTOS);
    } catch (error) {
      throw new Error(
        `The files were written, but generating the protobuf code failed (${(error as Error).message.split('\n')[0]}). ` +
          `Fix the cause above, then run: npx nx run protos:generate`,
      );
    }
    console.log(`\n> ${WRITE_DOCS}`);
    try {
      run(WRITE_DOCS);
    } catch {
      console.warn(`Could not write the settings docs: run npm run docs (npm test checks them).`);
    }
    console.log(`\n> ${UPDATE_LOCK}`);
    try {
      run(UPDATE_LOCK);
    } catch {
      // Not needed to build or test locally; only `npm ci` needs it.
      console.warn(`Could not update package-lock.json offline: run npm install before building the Docker images.`);
    }
    console.log(
      `\n${serviceProject} is ready: npx nx test ${serviceProject} | npx nx build ${serviceProject} | npx nx serve ${serviceProject}` +
        `\n(npm install links it under node_modules/@grpc-ts like the other workspace packages; nothing needs that link today.)`,
    );
  };
}
