// The build failure message: a base image that cannot be pulled names the way out (a local
// base image from .ci/docker-setup.sh, passed as BASE_IMAGE) and quotes the builder's error.
// Once on recorded output, once on a real build against an unresolvable registry (.invalid
// never resolves, so it fails at once) where a Docker engine is reachable.
import { join } from 'node:path';
import { LOCAL_BASE_IMAGE, buildFailureMessage, pullFailureLine } from './build-failure';
import { ComposeStack, probeDocker } from './compose-stack';

const UNPULLABLE = 'nonexistent.invalid/none:1';

// docker-compose 1.29.2 + Docker 20.10 (classic builder), BASE_IMAGE=nonexistent.invalid/none:1,
// as recorded on a machine with no registry.
const recorded = {
  exitCode: 1,
  out: 'Sending build context to Docker daemon  1.081MB\r\r\nStep 1/22 : ARG BASE_IMAGE=node:24-bookworm-slim\nStep 2/22 : FROM ${BASE_IMAGE} AS manifests\n',
  err:
    'Building prod-service\nDEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n' +
    '            Install the buildx component to build images with BuildKit:\n            https://docs.docker.com/go/buildx/\n\n' +
    'Get "https://nonexistent.invalid/v2/": dial tcp: lookup nonexistent.invalid on 10.255.255.53:53: no such host\n' +
    "Service 'prod-service' failed to build : Build failed\n",
};

function expectWayOut(message: string, baseImage: string, composeError: RegExp) {
  expect(message).toContain(`could not pull the base image (BASE_IMAGE=${baseImage})`);
  expect(message).toMatch(composeError);
  expect(message).toContain('bash .ci/docker-setup.sh');
  expect(message).toContain(`BASE_IMAGE=${LOCAL_BASE_IMAGE} `);
}

describe('build failure message', () => {
  it('names .ci/docker-setup.sh and BASE_IMAGE when the base image cannot be pulled, quoting compose', () => {
    const message = buildFailureMessage(recorded, UNPULLABLE);
    expectWayOut(message, UNPULLABLE, /^ {2}Get "https:\/\/nonexistent\.invalid\/v2\/": dial tcp: .*no such host$/m);
    expect(message).toContain("Service 'prod-service' failed to build");
    expect(message).not.toContain('\r');
  });

  // Worded as BuildKit and a reachable registry print them; not recordable here (no buildx, no registry).
  it('recognises the registry errors of the other builders and of a registry that answers', () => {
    for (const line of [
      'ERROR: failed to solve: node:24-bookworm-slim: failed to resolve source metadata for docker.io/library/node:24-bookworm-slim',
      'pull access denied for nosuch/image, repository does not exist or may require \'docker login\'',
      'manifest for node:99-bookworm-slim not found: manifest unknown: manifest unknown',
    ]) {
      expect(pullFailureLine(`Step 2/22 : FROM \${BASE_IMAGE} AS manifests\n${line}\n`)).toBe(line);
    }
  });

  it('leaves other build failures as they are', () => {
    const failed = {
      exitCode: 1,
      out: 'Step 5/22 : RUN npm ci --no-audit --no-fund\nnpm error code ETIMEDOUT\n',
      err: "The command '/bin/sh -c npm ci --no-audit --no-fund' returned a non-zero code: 1\n",
    };
    const message = buildFailureMessage(failed, LOCAL_BASE_IMAGE);
    expect(message).toMatch(/^compose build exited 1:\n/);
    expect(message).toContain('npm error code ETIMEDOUT');
    expect(message).not.toContain('docker-setup.sh');
  });

  const probe = probeDocker();
  const live = 'tool' in probe ? it : it.skip;
  if ('reason' in probe) console.warn(`SKIPPED real unpullable build: ${probe.reason}`);
  live('says the same for a real compose build whose base image cannot be pulled', async () => {
    if (!('tool' in probe)) return;
    // build only: no containers or networks to clean up, and no image gets tagged.
    const stack = new ComposeStack(probe.tool, `grpcts-unpullable-${process.pid}`, join(__dirname, '../../..'), {
      BASE_IMAGE: UNPULLABLE,
      IMAGE_TAG: 'unpullable',
    });
    const failure = await stack.build(['prod-service']).then(
      () => new Error('the build succeeded'),
      (error: Error) => error,
    );
    expectWayOut(failure.message, UNPULLABLE, /nonexistent\.invalid/);
  });
});
