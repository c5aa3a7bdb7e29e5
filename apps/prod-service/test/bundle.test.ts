// The build output runs with plain node and no node_modules, health and reflection included.
import { checkHealth, createAsyncClient, prod } from '@grpc-ts/protos';
import { listServicesByReflection } from '@grpc-ts/server-kit/testing';
import { bundleToTempDir, spawnService } from '@grpc-ts/test-support';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

describe('prod-service bundle', () => {
  it('serves GetProdStock, health and reflection from a lone bundle', async () => {
    const bundle = await bundleToTempDir(join(__dirname, '../src/main.ts'));
    expect(existsSync(join(dirname(bundle), '..', 'node_modules'))).toBe(false);
    const service = await spawnService(process.execPath, [bundle]);
    try {
      const client = createAsyncClient(prod.ProdServiceService, service.address);
      await expect(client.getProdStock({ prodId: 1 })).resolves.toHaveProperty('proStock');
      client.$close();
      await expect(checkHealth(service.address, 'services.ProdService')).resolves.toBe('SERVING');
      await expect(listServicesByReflection(service.address)).resolves.toContain('services.ProdService');
    } finally {
      await expect(service.stop()).resolves.toBe(0);
    }
  });
});
