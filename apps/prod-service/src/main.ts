import { runService } from '@grpc-ts/server-kit';
import { loadCatalogue } from './catalogue';
import { prodServiceEnv } from './config';
import { buildProdServer } from './server';

void runService({
  name: 'prod-service',
  env: prodServiceEnv,
  build: (config, base) => {
    const catalogue = loadCatalogue(config.DATA || undefined);
    base.logger.info({ products: catalogue.size, source: config.DATA || 'bundled' }, 'catalogue loaded');
    return buildProdServer({ catalogue, ...base });
  },
});
