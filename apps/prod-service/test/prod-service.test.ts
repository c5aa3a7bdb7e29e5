// ProdService over a real socket, with expectations read from the shipped data file.
import { status } from '@grpc/grpc-js';
import { checkHealth, createAsyncClient, prod } from '@grpc-ts/protos';
import { listServicesByReflection, startTestServer, testContext, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import stockFile from '../data/stock.json';
import { loadCatalogue } from '../src/catalogue';
import { createProdService } from '../src/prod-service';
import { buildProdServer } from '../src/server';

describe('prod-service over a real socket', () => {
  let running: RunningTestServer;
  let client: ReturnType<typeof createAsyncClient<typeof prod.ProdServiceService>>;

  beforeAll(async () => {
    running = await startTestServer(buildProdServer({ catalogue: loadCatalogue(), logger: testLogger() }));
    client = createAsyncClient(prod.ProdServiceService, running.address);
  });

  afterAll(async () => {
    client.$close();
    await running.stop();
  });

  it('ships a catalogue of at least 20 products', () => {
    expect(stockFile.products.length).toBeGreaterThanOrEqual(20);
  });

  it.each(stockFile.products.map((p) => [p.id, p.stock]))('returns the stock of product %i (%i)', async (id, stock) => {
    await expect(client.getProdStock({ prodId: id })).resolves.toEqual({ proStock: stock });
  });

  it.each([0, -1, -2147483648])('rejects prod_id %i with INVALID_ARGUMENT', async (prodId) => {
    await expect(client.getProdStock({ prodId })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: `prod_id must be a positive integer, got ${prodId}`,
    });
  });

  it('answers an unknown id with NOT_FOUND', async () => {
    const unknown = Math.max(...stockFile.products.map((p) => p.id)) + 1;
    await expect(client.getProdStock({ prodId: unknown })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: `no product with prod_id ${unknown}`,
    });
  });

  it('fails a call whose deadline has already passed with DEADLINE_EXCEEDED', async () => {
    await expect(client.getProdStock({ prodId: 1 }, { deadline: new Date(Date.now() - 1) })).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
  });

  it('reports SERVING for the server and for services.ProdService', async () => {
    await expect(checkHealth(running.address)).resolves.toBe('SERVING');
    await expect(checkHealth(running.address, 'services.ProdService')).resolves.toBe('SERVING');
  });

  it('lists services.ProdService through reflection', async () => {
    await expect(listServicesByReflection(running.address)).resolves.toContain('services.ProdService');
  });
});

describe('the GetProdStock handler, called directly (no socket)', () => {
  const service = createProdService(loadCatalogue());

  it('answers from the catalogue and refuses bad ids with the right status', () => {
    const first = stockFile.products[0]!;
    expect(service.getProdStock({ prodId: first.id }, testContext())).toEqual({ proStock: first.stock });
    expect(() => service.getProdStock({ prodId: 0 }, testContext())).toThrow(
      expect.objectContaining({ code: status.INVALID_ARGUMENT, message: 'prod_id must be a positive integer, got 0' }),
    );
    expect(() => service.getProdStock({ prodId: 9999 }, testContext())).toThrow(
      expect.objectContaining({ code: status.NOT_FOUND }),
    );
  });
});
