// The CLI (a real process) against the real services over mutual TLS with tokens, started with
// the TLS_* / AUTH_* settings compose gives them: success with flags and with the CLIENT_*
// variables, and for each way it can fail, one line on stderr that names the flag or the cause.
// Certificates and tokens are made here (libs/pki).
import { createCertificateAuthority, createSigningKey, signToken, type SigningKey } from '@grpc-ts/pki';
import { prod } from '@grpc-ts/protos';
import { ServiceServer } from '@grpc-ts/server-kit';
import { publicPolicies, startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadReport } from '../src/load/report';
import { jsonOut, runCli, type CliRun } from './support/cli';
import { catalogue, startProd, startRouteGuide, type RunningService } from './support/stack';

const ISSUER = 'https://issuer.cli.test';
const AUDIENCE = 'grpc-ts';
const ALL_SCOPES = ['stock:read', 'route:read', 'route:write', 'route:chat'];
const STOCK_1 = `prod_id=1 pro_stock=${catalogue.get(1)!.stock}\n`;

let dir: string;
let signing: SigningKey;
let prodServer: RunningService;
let routeServer: RunningService;
/** prod-service over server-only TLS: callers authenticate by token alone. */
let tokenOnly: RunningService;
let plaintext: RunningTestServer;
const file = (name: string) => join(dir, name);
const token = (scopes: string[], expiresInS = 600) => signToken(signing, { subject: 'cli-test', issuer: ISSUER, audience: AUDIENCE, scopes, expiresInS });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-security-'));
  const [ca, otherCa] = await Promise.all([createCertificateAuthority('cli test CA'), createCertificateAuthority('another CA')]);
  signing = await createSigningKey();
  // The services' certificates name them and localhost, not 127.0.0.1 (what the tests dial).
  const served = await ca.issue({ commonName: 'services', dns: ['prod-service', 'route-guide', 'localhost'], usage: 'both' });
  const client = await ca.issue({ commonName: 'client', uris: ['spiffe://grpc-ts/client'], usage: 'client' });
  const expired = await ca.issue({
    commonName: 'old client',
    usage: 'client',
    notBefore: new Date(Date.now() - 2 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
  const stranger = await otherCa.issue({ commonName: 'stranger', usage: 'client' });
  const files: Record<string, string> = {
    'ca.crt': ca.cert,
    'other-ca.crt': otherCa.cert,
    'server.crt': served.cert,
    'server.key': served.key,
    'client.crt': client.cert,
    'client.key': client.key,
    'expired.crt': expired.cert,
    'expired.key': expired.key,
    'stranger.crt': stranger.cert,
    'stranger.key': stranger.key,
    'jwks.json': JSON.stringify(signing.jwks),
    'all.token': `${await token(ALL_SCOPES)}\n`,
    'expired.token': await token(ALL_SCOPES, -120),
    'route-read.token': await token(['route:read']),
    'empty.token': '\n',
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(file(name), content, { mode: 0o600 });
  const tokens = { AUTH: 'on', AUTH_JWKS_FILE: file('jwks.json'), AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE };
  const tls = { PLAINTEXT: 'false', TLS_CERT_FILE: file('server.crt'), TLS_KEY_FILE: file('server.key') };
  const mtls = { ...tls, ...tokens, TLS_CLIENT_CA_FILE: file('ca.crt') };
  [prodServer, routeServer, tokenOnly, plaintext] = await Promise.all([
    startProd(mtls),
    startRouteGuide(mtls),
    startProd({ ...tls, ...tokens }),
    startTestServer(new ServiceServer({ logger: testLogger() }).addService(prod.ProdServiceService, {}, publicPolicies(prod.ProdServiceService))),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([prodServer?.stop(), routeServer?.stop(), tokenOnly?.stop(), plaintext?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Mutual TLS with a token that has every scope, as flags. */
const mtlsFlags = () => ['--ca', file('ca.crt'), '--cert', file('client.crt'), '--key', file('client.key'), '--server-name', 'localhost'];
const withToken = (name = 'all.token') => [...mtlsFlags(), '--token-file', file(name)];
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env: { PROD_SERVICE_ADDR: prodServer.address, ROUTE_GUIDE_ADDR: routeServer.address, CLIENT_RETRIES: '0', ...env } });

/** Exactly one line on stderr, no stack trace, containing every part. */
function expectOneLineError(run: CliRun, code: number, ...parts: (string | RegExp)[]) {
  const lines = run.stderr.trim().split('\n');
  expect({ code: run.code, lines: lines.length }).toEqual({ code, lines: 1 });
  for (const part of parts) expect(lines[0]).toMatch(part);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('over mutual TLS with a token', () => {
  it('prod get, route list and route chat succeed with the flags', async () => {
    await expect(cli([...withToken(), 'prod', 'get', '1'])).resolves.toMatchObject({ code: 0, stdout: STOCK_1, stderr: '' });
    const list = await cli([...withToken(), '--json', 'route', 'list', '400000000,-750000000', '420000000,-730000000']);
    expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: '' });
    expect(jsonOut<{ count: number }>(list).count).toBeGreaterThan(0);
    const chat = await cli([...withToken(), 'route', 'chat', '1,2 hello']);
    expect({ code: chat.code, last: chat.stdout.trim().split('\n').pop() }).toEqual({ code: 0, last: 'sent 1 notes, received 0' });
  });

  it('demo, health and load succeed with the CLIENT_* variables alone', async () => {
    const env = {
      CLIENT_CA_FILE: file('ca.crt'),
      CLIENT_CERT_FILE: file('client.crt'),
      CLIENT_KEY_FILE: file('client.key'),
      CLIENT_SERVER_NAME: 'localhost',
      CLIENT_TOKEN: await token(ALL_SCOPES),
    };
    const demo = await cli(['demo'], env);
    expect({ code: demo.code, stderr: demo.stderr, summary: demo.stdout.trim().split('\n').pop() }).toEqual({
      code: 0,
      stderr: '',
      summary: '7 of 7 calls succeeded',
    });
    await expect(cli(['health', 'route', 'routeguide.RouteGuide'], env)).resolves.toMatchObject({ code: 0, stdout: 'SERVING\n' });
    const load = await cli(['--json', 'load', '--rpc', 'route-chat', '-n', '40', '-c', '4', '--channels', '2'], env);
    expect({ code: load.code, statuses: jsonOut<LoadReport>(load).statuses }).toEqual({ code: 0, statuses: { OK: 40 } });
  });

  it('CLIENT_TLS=true with a CA turns TLS on; a flag wins over its variable', async () => {
    const run = await cli(['--ca', file('ca.crt'), '--cert', file('client.crt'), 'prod', 'get', '1'], {
      CLIENT_TLS: 'true',
      CLIENT_CERT_FILE: file('expired.crt'), // overridden by --cert
      CLIENT_KEY_FILE: file('client.key'),
      CLIENT_SERVER_NAME: 'prod-service',
      CLIENT_TOKEN_FILE: file('all.token'),
    });
    expect(run).toMatchObject({ code: 0, stdout: STOCK_1 });
  });
});

describe('each failure is one line naming what it points to', () => {
  it('no TLS against a TLS server: UNAVAILABLE, pass --tls', async () => {
    expectOneLineError(await cli(['prod', 'get', '1']), 1, 'UNAVAILABLE', 'TLS required?', '--tls', `target ${prodServer.address}`);
    // Empty variables are unset: a container's CLIENT_* can be blanked for one run.
    const blanked = await cli(['prod', 'get', '1'], { CLIENT_CA_FILE: '', CLIENT_CERT_FILE: '', CLIENT_KEY_FILE: '', CLIENT_TOKEN_FILE: '' });
    expectOneLineError(blanked, 1, 'UNAVAILABLE', 'TLS required?');
  });

  it('TLS against a plaintext server: not a TLS server, drop --tls', async () => {
    const run = await cli([...mtlsFlags(), '--prod-addr', plaintext.address, 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'UNAVAILABLE', 'wrong version number', 'not a TLS server', 'drop --tls');
  });

  it('a CA that did not sign the server certificate: bad CA, --ca', async () => {
    const run = await cli([...withToken(), '--ca', file('other-ca.crt'), 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'UNAVAILABLE', 'self-signed certificate in certificate chain', "bad CA: the server's certificate does not chain to --ca");
    // With no --ca the system's roots are asked, and they do not know this CA either.
    const roots = await cli(['--tls', '--server-name', 'localhost', 'prod', 'get', '1']);
    expectOneLineError(roots, 1, 'bad CA', 'pass --ca');
  });

  it('a host the server certificate does not name: server name mismatch, --server-name', async () => {
    const flags = withToken().filter((flag, i, all) => flag !== '--server-name' && all[i - 1] !== '--server-name');
    expectOneLineError(await cli([...flags, 'prod', 'get', '1']), 1, 'UNAVAILABLE', "does not match certificate's altnames", 'server name mismatch', '--server-name');
  });

  it('no client certificate for a mutual TLS server: --cert and --key', async () => {
    const run = await cli(['--ca', file('ca.crt'), '--server-name', 'localhost', '--token-file', file('all.token'), 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'UNAVAILABLE', 'alert certificate required', 'client certificate required', 'pass --cert and --key');
  });

  it('an expired client certificate: refused before any call, naming --cert or its variable', async () => {
    const run = await cli([...withToken(), '--cert', file('expired.crt'), '--key', file('expired.key'), 'prod', 'get', '1']);
    expectOneLineError(run, 2, `--cert (${file('expired.crt')}): the client certificate expired on `);
    const fromEnv = await cli(['--ca', file('ca.crt'), 'prod', 'get', '1'], { CLIENT_CERT_FILE: file('expired.crt'), CLIENT_KEY_FILE: file('expired.key') });
    expectOneLineError(fromEnv, 2, `CLIENT_CERT_FILE (${file('expired.crt')}): the client certificate expired on `);
  });

  it('a client certificate of another CA: the server closes the connection, --cert', async () => {
    const run = await cli([...withToken(), '--cert', file('stranger.crt'), '--key', file('stranger.key'), 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'UNAVAILABLE', 'client certificate refused?', '--cert');
  });

  it('no token where only a token authenticates: UNAUTHENTICATED, pass --token', async () => {
    const run = await cli(['--ca', file('ca.crt'), '--server-name', 'localhost', '--prod-addr', tokenOnly.address, 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'UNAUTHENTICATED: this method needs credentials', 'no token was sent: pass --token or --token-file');
  });

  it('no token over mutual TLS: the certificate authenticates but does not authorize, PERMISSION_DENIED, pass --token', async () => {
    const run = await cli([...mtlsFlags(), 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'PERMISSION_DENIED: this method needs a token with scope stock:read', 'no token was sent', '--token');
  });

  it('an expired token: UNAUTHENTICATED, the token was not accepted', async () => {
    const run = await cli([...withToken('expired.token'), 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'UNAUTHENTICATED: the token has expired', 'the server did not accept the token (--token / --token-file)');
    expect(run.stderr).not.toContain('eyJ'); // no part of a JWT is echoed
  });

  it('a token without the scope: PERMISSION_DENIED naming the scope and --token', async () => {
    const run = await cli([...withToken('route-read.token'), 'prod', 'get', '1']);
    expectOneLineError(run, 1, 'PERMISSION_DENIED: the token lacks scope stock:read', 'the token (--token / --token-file) does not allow this method');
  });

  it('demo shows the hint on each failed step; load reports the refusals by status', async () => {
    const demo = await cli([...withToken('route-read.token'), 'demo']);
    expect(demo.code).toBe(1);
    expect(demo.stdout).toMatch(/FAIL +GetProdStock.*PERMISSION_DENIED: the token lacks scope stock:read.*--token/);
    expect(demo.stdout).toMatch(/FAIL +RecordRoute.*route:write/);
    expect(demo.stdout).toMatch(/ok +GetFeature/);
    expect(demo.stdout).toContain('4 of 7 calls succeeded'); // two health checks, GetFeature, ListFeatures
    const load = await cli([...withToken('route-read.token'), '--json', 'load', '-n', '20', '-c', '2'], {});
    expect({ code: load.code, statuses: jsonOut<LoadReport>(load).statuses }).toEqual({ code: 0, statuses: { PERMISSION_DENIED: 20 } });
    const plain = await cli(['--timeout', '1500', 'load', '-n', '5']);
    expectOneLineError(plain, 1, `UNAVAILABLE: cannot connect to ${prodServer.address} within 1500 ms`, 'TLS required?', '--tls');
  });
});

describe('unusable settings: exit 2 before any call, naming the flag or variable', () => {
  it.each([
    [['--ca', '/nonexistent/ca.crt'], {}, '--ca (/nonexistent/ca.crt) cannot be read: ENOENT'],
    [['--ca', 'jwks.json'], {}, 'holds no PEM certificate'],
    [['--cert', 'client.crt'], {}, '--cert needs --key'],
    [[], { CLIENT_KEY_FILE: 'client.key' }, 'CLIENT_KEY_FILE needs CLIENT_CERT_FILE'],
    [['--cert', 'client.crt', '--key', 'stranger.key'], {}, 'is not the private key of --cert'],
    [['--cert', 'ca.crt', '--key', 'jwks.json'], {}, 'is not a PEM private key'],
    [['--token', 'a', '--token-file', 'all.token'], {}, '--token and --token-file are exclusive'],
    [['--token-file', 'empty.token'], {}, 'is empty'],
    [['--token', 'two words'], {}, '--token must hold one token'],
    [[], { CLIENT_TLS: 'maybe' }, 'CLIENT_TLS="maybe" is not true or false'],
  ] as [string[], Record<string, string>, string][])('%j %j', async (args, env, message) => {
    const resolve = (word: string) => (/^[\w.-]+\.(crt|key|json|token)$/.test(word) ? file(word) : word);
    const resolvedEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolve(v)]));
    const run = await cli([...args.map(resolve), 'prod', 'get', '1'], resolvedEnv);
    expectOneLineError(run, 2, message);
  });
});
