// The Go interop client (test/interop/go): whether this machine can build it, and building it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '@grpc-ts/server-kit/testing';

const GO_DIR = join(__dirname, '../interop/go');
const PROTO_DIR = join(__dirname, '../../../../packages/protos/proto');
// Debian's grpc-go sources; the build runs in GOPATH mode against them, offline.
const GRPC_GO = '/usr/share/gocode/src/google.golang.org/grpc';
const TOOLS = ['go', 'protoc', 'protoc-gen-go', 'protoc-gen-go-grpc'];
export const GO_PACKAGES =
  'golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev golang-google-protobuf-dev protoc-gen-go protoc-gen-go-grpc';

/** Why the Go client cannot be built here, or undefined when it can. */
export function goClientProblem(): string | undefined {
  const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (!existsSync(GRPC_GO)) missing.push(GRPC_GO);
  if (!existsSync('/usr/share/gocode/src/google.golang.org/protobuf')) missing.push('google.golang.org/protobuf sources');
  return missing.length ? `missing ${missing.join(', ')} (apt-get install ${GO_PACKAGES})` : undefined;
}

/** Builds the client into a temp dir and returns the binary's path. */
export async function buildGoClient(): Promise<string> {
  const binary = join(mkdtempSync(join(tmpdir(), 'route-guide-go-')), 'route_guide_client');
  const { code, stdout, stderr } = await runToExit('bash', [join(GO_DIR, 'build.sh'), PROTO_DIR, binary]);
  if (code !== 0) throw new Error(`building the Go client failed (${code}):\n${stdout}${stderr}`);
  return binary;
}
