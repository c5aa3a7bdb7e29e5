// Interoperability: the notes' own stack (Python grpcio, code generated from the notes'
// proto text) against our running prod-service: plaintext in-process, and over mutual TLS
// with a bearer token against the real service process configured by env as deployed.
import { join } from 'node:path';
import { LISTENING, TokenVerifier, readTlsMaterial } from '@grpc-ts/runtime';
import { startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { interopCredentials, interopPython, runToExit, spawnService, tsMain, type InteropCredentials, type ServiceProcess } from '@grpc-ts/test-support';
import stockFile from '../data/stock.json';
import { loadCatalogue } from '../src/catalogue';
import { buildProdServer } from '../src/server';

const { python: PYTHON, missing: pythonGrpcMissing } = interopPython('prod-service Python interop');
const NOTES_CLIENT = join(__dirname, 'interop/notes_client.py');
const MAIN = join(__dirname, '../src/main.ts');

const ids = [1, 5, 20, 0, -3, 9999];
const stockOf = (id: number) => stockFile.products.find((p) => p.id === id)!.stock;
/** What the notes' client must print for `ids` once the call is let through. */
const answers = [
  { id: 1, code: 'OK', stock: stockOf(1) },
  { id: 5, code: 'OK', stock: stockOf(5) },
  { id: 20, code: 'OK', stock: stockOf(20) },
  { id: 0, code: 'INVALID_ARGUMENT', details: 'prod_id must be a positive integer, got 0' },
  { id: -3, code: 'INVALID_ARGUMENT', details: 'prod_id must be a positive integer, got -3' },
  { id: 9999, code: 'NOT_FOUND', details: 'no product with prod_id 9999' },
];

/** Runs the notes' client for `ids` with `flags`: one parsed line per call. */
async function notesClient(address: string, flags: string[] = []): Promise<unknown[]> {
  const { code, stdout, stderr } = await runToExit(PYTHON, [NOTES_CLIENT, ...flags, address, ...ids.map(String)]);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

(pythonGrpcMissing ? describe.skip : describe)('Python grpcio client from the notes', () => {
  let running: RunningTestServer;

  beforeAll(async () => {
    running = await startTestServer(buildProdServer({ catalogue: loadCatalogue(), logger: testLogger() }));
  });

  afterAll(() => running.stop());

  it('gets the right stock and the right error codes', async () => {
    await expect(notesClient(running.address)).resolves.toEqual(answers);
  });
});

// GetProdStock's policy: a token with scope stock:read.
(pythonGrpcMissing ? describe.skip : describe)('Python grpcio client from the notes, interop over mutual TLS with a bearer token', () => {
  let credentials: InteropCredentials;
  let service: ServiceProcess;
  let tlsOnly: RunningTestServer;

  beforeAll(async () => {
    credentials = await interopCredentials({ serverName: 'prod-service.test', issuer: 'https://issuer.test', audience: 'prod-service' });
    const { cert, key, jwks } = credentials.files;
    const { issuer, audience } = credentials;
    [service, tlsOnly] = await Promise.all([
      // The real process: TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE, AUTH_JWKS_FILE, AUTH_ISSUER, AUTH_AUDIENCE.
      spawnService(...tsMain(MAIN), credentials.serviceEnv()),
      // Server-side TLS only, tokens the only credential.
      startTestServer(
        buildProdServer({
          catalogue: loadCatalogue(),
          logger: testLogger(),
          security: { tls: readTlsMaterial({ cert, key }), auth: { tokens: new TokenVerifier({ jwksFile: jwks, issuer, audience, clockSkewS: 5 }), certificates: false } },
        }),
      ),
    ]);
  });

  afterAll(async () => {
    await Promise.all([service?.stop(), tlsOnly?.stop()]);
    credentials?.remove();
  });

  it('the service process serves mutual TLS with policies enforced, from its env', () => {
    expect(service.logs.find((line) => line.msg === LISTENING)).toMatchObject({ limits: { transport: 'mtls', auth: 'on' } });
  });

  it('with a stock:read token, gets the right stock and the right error codes', async () => {
    await expect(notesClient(service.address, await credentials.clientFlags({ token: { scopes: ['stock:read'] } }))).resolves.toEqual(answers);
  });

  it('without a token, is the service its certificate names, which the policy does not admit: PERMISSION_DENIED', async () => {
    await expect(notesClient(service.address, await credentials.clientFlags())).resolves.toEqual(
      ids.map((id) => ({ id, code: 'PERMISSION_DENIED', details: 'this method needs a token with scope stock:read' })),
    );
  });

  it('with a token lacking stock:read, gets PERMISSION_DENIED naming the scope', async () => {
    await expect(notesClient(service.address, await credentials.clientFlags({ token: { scopes: ['stock:write'] } }))).resolves.toEqual(
      ids.map((id) => ({ id, code: 'PERMISSION_DENIED', details: 'the token lacks scope stock:read' })),
    );
  });

  it('over server-side TLS, without a token (and no certificate), gets UNAUTHENTICATED; with one, the answers', async () => {
    await expect(notesClient(tlsOnly.address, await credentials.clientFlags({ certificate: false }))).resolves.toEqual(
      ids.map((id) => ({
        id,
        code: 'UNAUTHENTICATED',
        details: 'this method needs credentials: a bearer token (authorization metadata) or a client certificate',
      })),
    );
    await expect(notesClient(tlsOnly.address, await credentials.clientFlags({ certificate: false, token: { scopes: ['stock:read'] } }))).resolves.toEqual(
      answers,
    );
  });
});
