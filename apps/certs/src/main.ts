#!/usr/bin/env node
// The compose stack's certs step: `node main.js /certs prod-service route-guide` makes or
// renews what the services and the client demo read from the certs volume (see
// stack-pki.ts), prints one line per file, and exits 0; a problem it cannot fix alone is one
// line on stderr and exit 1; bad arguments exit 2.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { StackPkiError, ensureStackPki, type Outcome } from './stack-pki';

const DEFAULT_SCOPES = 'stock:read route:read route:write route:chat';

const positive = (max: number) => (text: string) => {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > max) throw new InvalidArgumentError(`must be an integer from 1 to ${max}.`);
  return value;
};

const program = new Command('grpc-certs')
  .description("Makes or renews the compose stack's CA, certificates, token signing key and client token in <dir>")
  .argument('<dir>', 'where the files live (the certs volume)')
  .argument('<services...>', 'compose service names: each gets <name>.crt/.key for its name, localhost and 127.0.0.1')
  .addOption(new Option('--issuer <iss>', "the token's issuer (the services' AUTH_ISSUER)").env('AUTH_ISSUER').default('https://grpc-ts.local'))
  .addOption(new Option('--audience <aud>', "the token's audience (the services' AUTH_AUDIENCE)").env('AUTH_AUDIENCE').default('grpc-ts'))
  .addOption(new Option('--scopes <list>', "the client token's scopes, space-separated").env('CERTS_CLIENT_SCOPES').default(DEFAULT_SCOPES))
  .addOption(new Option('--ca-days <n>', 'validity of a new CA').env('CERTS_CA_DAYS').default(365).argParser(positive(3650)))
  .addOption(new Option('--cert-days <n>', 'validity of a new certificate').env('CERTS_CERT_DAYS').default(30).argParser(positive(825)))
  .addOption(new Option('--token-hours <n>', "validity of a new client token").env('CERTS_TOKEN_HOURS').default(12).argParser(positive(24 * 30)))
  .option('--rotate', 'issue every certificate and the token again now (the CA and the signing key stay)', false)
  .exitOverride()
  .showHelpAfterError()
  .action(async (dir: string, services: string[], options: { issuer: string; audience: string; scopes: string; caDays: number; certDays: number; tokenHours: number; rotate: boolean }) => {
    const outcomes = await ensureStackPki({
      dir,
      services,
      issuer: options.issuer,
      audience: options.audience,
      scopes: options.scopes.split(/\s+/).filter(Boolean),
      caDays: options.caDays,
      certDays: options.certDays,
      tokenHours: options.tokenHours,
      rotate: options.rotate,
    });
    for (const outcome of outcomes) process.stdout.write(`${describe(outcome)}\n`);
  });

function describe({ file, action, why, expires }: Outcome): string {
  return [`${action.padEnd(7)} ${file}`, why && action !== 'created' ? `(${why})` : '', expires ? `valid until ${expires.toISOString()}` : '']
    .filter(Boolean)
    .join(' ');
}

program.parseAsync(process.argv).then(
  () => undefined,
  (error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.code === 'commander.helpDisplayed' ? 0 : 2;
      return;
    }
    // Not ours to fix either (a volume it may not write, ...): one line all the same.
    process.stderr.write(`certs: ${error instanceof StackPkiError ? error.message : (error as Error).message}\n`);
    process.exitCode = 1;
  },
);
