// `health <target> [service]`: one grpc.health.v1 Check, exit 0 only when SERVING, so it can
// be a container's health check as is (`node main.js health localhost:50051`; over TLS with
// the CLIENT_* variables of the container's environment).
import { checkHealth } from '@grpc-ts/protos';
import type { Command } from 'commander';
import { parseTarget } from '../channel';
import { CliError, EXIT_FAILED } from '../cli-error';
import { CliContext } from '../context';
import { checkedArg } from '../arg-parsers';

// "prod" and "route" name the configured addresses, so scripts need not repeat them.
const ALIASES = ['prod', 'route'] as const;
const targetOrAlias = checkedArg((text: string) => ((ALIASES as readonly string[]).includes(text) ? text : parseTarget(text)));

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description('check a server with grpc.health.v1 (exit 0 only when SERVING)')
    .argument('<target>', 'host:port, or "prod" / "route" for the configured addresses', targetOrAlias)
    .argument('[service]', 'a service name such as services.ProdService (default: the whole server)', '')
    .action(async (target: string, service: string, _options: object, command: Command) => {
      const context = CliContext.of(command);
      const address =
        target === 'prod' ? context.options.prodAddr : target === 'route' ? context.options.routeAddr : target;
      let state: string;
      try {
        // One attempt, no retries: a health check must answer within its deadline, not hide a failure.
        state = await checkHealth(address, service, context.healthOptions());
      } catch (error) {
        throw new CliError(`health ${address}${service ? ` ${service}` : ''}: ${context.explain(error)}`);
      }
      if (context.json) context.printJson({ target: address, service, status: state });
      else context.print(state);
      if (state !== 'SERVING') process.exitCode = EXIT_FAILED;
    });
}
