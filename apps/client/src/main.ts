#!/usr/bin/env node
// The CLI's entry point: wires the commands into commander and turns the outcome into an
// exit code (0 ok, 1 the call failed, 2 bad arguments).
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, describeError } from './cli-error';
import { registerDemoCommand } from './commands/demo';
import { registerHealthCommand } from './commands/health';
import { registerLoadCommand } from './commands/load';
import { registerProdCommands } from './commands/prod';
import { registerRouteCommands } from './commands/route';
import { addGlobalOptions } from './context';

// grpc-js passes an IP target (127.0.0.1:50051) to TLS as the server name, and Node warns
// about that (DEP0123) on stderr, where the CLI writes its one-line errors. A CLI user can do
// nothing about a dependency's deprecations.
process.noDeprecation = true;

const program = new Command('grpc-client')
  .description('Calls prod-service and route-guide: single RPCs, health checks, a demo and a load driver')
  // Set before any subcommand is added: subcommands inherit both.
  .exitOverride()
  .showHelpAfterError();
addGlobalOptions(program);
registerProdCommands(program);
registerRouteCommands(program);
registerHealthCommand(program);
registerDemoCommand(program);
registerLoadCommand(program);

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has already printed the message and the usage.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT_OK : EXIT_USAGE;
  }
  process.stderr.write(`error: ${describeError(error)}\n`);
  return error instanceof CliError ? error.exitCode : EXIT_FAILED;
}

program.parseAsync(process.argv).then(
  () => undefined,
  (error: unknown) => {
    process.exitCode = exitCodeOf(error);
  },
);
