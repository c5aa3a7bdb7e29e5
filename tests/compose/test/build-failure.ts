// What a failed `compose build` tells the reader. Most first failures on a new machine are the
// base image: no registry reachable (or the image name is wrong), and compose then prints a
// bare registry error that says nothing about the way out. That case names it.

/** The image .ci/docker-setup.sh builds by default (Node 24 from the npm registry). */
export const LOCAL_BASE_IMAGE = 'local/node-base:24';

// Lines by which the builders report that the FROM image could not be pulled.
const PULL_FAILURES = [
  /\bGet "?https?:\/\/[^\s"]+\/v2\/[^\s"]*"?:/, // classic builder (docker-compose 1.29, docker build)
  /pull access denied/i,
  /manifest unknown|manifest for \S+ not found/i,
  /failed to resolve source metadata/i, // BuildKit
  /error pulling image configuration/i,
  /toomanyrequests/i,
];

/** The builder's own line saying the base image could not be pulled, if that is what failed. */
export function pullFailureLine(output: string): string | undefined {
  return output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => PULL_FAILURES.some((pattern) => pattern.test(line)));
}

export interface FailedBuild {
  exitCode: number | null;
  out: string;
  err: string;
}

/** The error message for a failed build, with the way out when the base image was the cause. */
export function buildFailureMessage(result: FailedBuild, baseImage: string | undefined): string {
  // Progress lines end in carriage returns; the report reads better without them.
  const output = `${result.out.trimEnd()}\n${result.err}`.replace(/\r/g, '');
  const last = tail(output, 25);
  const pull = pullFailureLine(output);
  if (!pull) return `compose build exited ${result.exitCode}:\n${last}`;
  return [
    `compose build could not pull the base image (BASE_IMAGE=${baseImage ?? "the Dockerfile's default"}):`,
    `  ${pull}`,
    'Where no image registry is reachable, build a local base image from the npm registry and pass it:',
    `  bash .ci/docker-setup.sh    # starts dockerd if needed, builds ${LOCAL_BASE_IMAGE}`,
    `  BASE_IMAGE=${LOCAL_BASE_IMAGE} npx nx run compose-e2e:test    # or BASE_IMAGE=... docker compose up`,
    `compose build exited ${result.exitCode}; its last lines:`,
    last,
  ].join('\n');
}

/** The last `lines` lines: enough to see a failure without flooding the report. */
export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
