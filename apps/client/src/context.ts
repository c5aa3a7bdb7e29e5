// The options every command shares (targets, deadline, retries, TLS and token, output) and
// the clients built from them. Targets and settings come from flags first, then the
// environment.
import { Metadata } from '@grpc/grpc-js';
import { createAsyncClient, type AsyncClient, type CallOpts, type HealthCheckOptions, type ServiceDefinitionLike } from '@grpc-ts/protos';
import { Option, type Command } from 'commander';
import { intArg, targetArg } from './arg-parsers';
import { CliError, explainError, isServiceError } from './cli-error';
import { DEFAULT_PROD_SERVICE_ADDR, DEFAULT_ROUTE_GUIDE_ADDR, MAX_RETRIES, channelOptions, type ChannelSettings } from './channel';
import { addSecurityOptions, loadClientSecurity, type ClientSecurity, type SecurityFlags } from './security';

export interface GlobalOptions extends SecurityFlags {
  prodAddr: string;
  routeAddr: string;
  timeout: number;
  retries: number;
  retryBackoff: number;
  waitForReady: boolean;
  json: boolean;
}

export function addGlobalOptions(program: Command): Command {
  program
    .addOption(
      new Option('--prod-addr <target>', 'prod-service address').env('PROD_SERVICE_ADDR').default(DEFAULT_PROD_SERVICE_ADDR).argParser(targetArg),
    )
    .addOption(
      new Option('--route-addr <target>', 'route-guide address').env('ROUTE_GUIDE_ADDR').default(DEFAULT_ROUTE_GUIDE_ADDR).argParser(targetArg),
    )
    .addOption(
      new Option('--timeout <ms>', 'deadline of each call (ms)').env('CLIENT_TIMEOUT_MS').default(5000).argParser(intArg(1, 3_600_000)),
    )
    .addOption(
      new Option('--retries <n>', `retries on UNAVAILABLE (0-${MAX_RETRIES})`).env('CLIENT_RETRIES').default(2).argParser(intArg(0, MAX_RETRIES)),
    )
    .addOption(
      new Option('--retry-backoff <ms>', 'backoff before the first retry (ms), doubling up to 10x')
        .env('CLIENT_RETRY_BACKOFF_MS')
        .default(100)
        .argParser(intArg(1, 60_000)),
    )
    .option('--wait-for-ready', 'wait (within the deadline) for an unreachable server instead of failing at once', false)
    .option('--json', 'print JSON instead of text', false);
  return addSecurityOptions(program);
}

export class CliContext {
  private loadedSecurity?: ClientSecurity;

  constructor(
    readonly options: GlobalOptions,
    private readonly command?: Command,
  ) {}

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>(), command);
  }

  /** TLS and token, read and checked once (throws a CliError naming a bad file's flag). */
  get security(): ClientSecurity {
    this.loadedSecurity ??= loadClientSecurity(this.options, (flag) => this.command?.getOptionValueSourceWithGlobals(flag));
    return this.loadedSecurity;
  }

  /** A failure as one line, naming the flag a TLS or credentials failure points to. */
  explain(error: unknown, target?: string): string {
    return explainError(error, this.security.inUse, target);
  }

  /** Options for checkHealth: the deadline, TLS and token (health is public; the token does no harm). */
  healthOptions(): HealthCheckOptions {
    const { tls, token } = this.security;
    return { timeoutMs: this.options.timeout, tls, token };
  }

  get json(): boolean {
    return this.options.json;
  }

  channelSettings(ownConnection = false): ChannelSettings {
    return { retries: this.options.retries, initialBackoffMs: this.options.retryBackoff, ownConnection };
  }

  client<Def extends ServiceDefinitionLike>(definition: Def, address: string): AsyncClient<Def> {
    const { tls, token } = this.security;
    return createAsyncClient(definition, address, { tls, token, channelOptions: channelOptions(this.channelSettings()) });
  }

  /** Per-call options: the deadline, and wait-for-ready when asked for. */
  callOpts(): CallOpts {
    const metadata = this.options.waitForReady ? new Metadata({ waitForReady: true }) : undefined;
    return { timeoutMs: this.options.timeout, metadata };
  }

  print(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }
}

/** Runs `use` with a client and always closes it (an open channel would keep the process alive). */
export async function withClient<Def extends ServiceDefinitionLike, T>(
  context: CliContext,
  definition: Def,
  address: string,
  use: (client: AsyncClient<Def>) => Promise<T>,
): Promise<T> {
  const client = context.client(definition, address);
  try {
    return await use(client);
  } catch (error) {
    // Name the target: "UNAVAILABLE: ..." alone does not say which server was unreachable.
    if (isServiceError(error)) throw new CliError(context.explain(error, address));
    throw error;
  } finally {
    client.$close();
  }
}
