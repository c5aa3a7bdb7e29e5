// The Go interop client (test/interop/go): whether this machine can build it, and building it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '@grpc-ts/test-support';

const GO_DIR = join(__dirname, '../interop/go');
const PROTO_DIR = join(__dirname, '../../../../packages/protos/proto');
// Debian's Go sources (grpc-go and google.golang.org/protobuf); build.sh uses them in GOPATH mode, offline.
const GOCODE = '/usr/share/gocode/src';
const SOURCES = ['google.golang.org/grpc', 'google.golang.org/protobuf'];
const TOOLS = ['go', 'protoc', 'protoc-gen-go', 'protoc-gen-go-grpc'];
const PACKAGES =
  'golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev golang-google-protobuf-dev protoc-gen-go protoc-gen-go-grpc';

/**
 * Whether the Go client cannot be built here. Like interopPython, it prints the reason once, so
 * a skipped suite is never silent.
 */
export function goClientMissing(suite: string): boolean {
  const missing = [
    ...TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0),
    ...SOURCES.filter((source) => !existsSync(join(GOCODE, source))).map((source) => `${source} sources`),
  ];
  if (missing.length) console.warn(`SKIPPED ${suite}: missing ${missing.join(', ')} (apt-get install ${PACKAGES})`);
  return missing.length > 0;
}

/** Builds the client into a temp dir and returns the binary's path. */
export async function buildGoClient(): Promise<string> {
  const binary = join(mkdtempSync(join(tmpdir(), 'route-guide-go-')), 'route_guide_client');
  const { code, stdout, stderr } = await runToExit('bash', [join(GO_DIR, 'build.sh'), PROTO_DIR, binary]);
  if (code !== 0) throw new Error(`building the Go client failed (${code}):\n${stdout}${stderr}`);
  return binary;
}
