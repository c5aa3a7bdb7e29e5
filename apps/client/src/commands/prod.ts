// `prod get <id>`: ProdService.GetProdStock.
import { prod } from '@grpc-ts/protos';
import type { Command } from 'commander';
import { intArg } from '../arg-parsers';
import { CliContext, withClient } from '../context';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function registerProdCommands(program: Command): void {
  const group = program.command('prod').description('prod-service (services.ProdService) calls');
  group
    .command('get')
    .description('units in stock of a product (GetProdStock)')
    // Anything int32 is sent: the server, not the CLI, decides which ids are valid.
    .argument('<id>', 'product id', intArg(INT32_MIN, INT32_MAX))
    .action(async (prodId: number, _options: object, command: Command) => {
      const context = CliContext.of(command);
      const { proStock } = await withClient(context, prod.ProdServiceService, context.options.prodAddr, (client) =>
        client.getProdStock({ prodId }, context.callOpts()),
      );
      if (context.json) context.printJson({ prodId, proStock });
      else context.print(`prod_id=${prodId} pro_stock=${proStock}`);
    });
}
