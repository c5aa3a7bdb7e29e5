// Interoperability: the notes' own stack (Python grpcio, code generated from the notes'
// proto text) against our running prod-service.
import { join } from 'node:path';
import { startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { interopPython, runToExit } from '@grpc-ts/test-support';
import stockFile from '../data/stock.json';
import { loadCatalogue } from '../src/catalogue';
import { buildProdServer } from '../src/server';

const { python: PYTHON, missing: pythonGrpcMissing } = interopPython('prod-service Python interop');

(pythonGrpcMissing ? describe.skip : describe)('Python grpcio client from the notes', () => {
  let running: RunningTestServer;

  beforeAll(async () => {
    running = await startTestServer(buildProdServer({ catalogue: loadCatalogue(), logger: testLogger() }));
  });

  afterAll(() => running.stop());

  it('gets the right stock and the right error codes', async () => {
    const ids = [1, 5, 20, 0, -3, 9999];
    const { code, stdout, stderr } = await runToExit(PYTHON, [join(__dirname, 'interop/notes_client.py'), running.address, ...ids.map(String)]);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const results = stdout.trim().split('\n').map((line) => JSON.parse(line));
    const stockOf = (id: number) => stockFile.products.find((p) => p.id === id)!.stock;
    expect(results).toEqual([
      { id: 1, code: 'OK', stock: stockOf(1) },
      { id: 5, code: 'OK', stock: stockOf(5) },
      { id: 20, code: 'OK', stock: stockOf(20) },
      { id: 0, code: 'INVALID_ARGUMENT', details: 'prod_id must be a positive integer, got 0' },
      { id: -3, code: 'INVALID_ARGUMENT', details: 'prod_id must be a positive integer, got -3' },
      { id: 9999, code: 'NOT_FOUND', details: 'no product with prod_id 9999' },
    ]);
  });
});
