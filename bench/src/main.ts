// `npm run bench`: runs the suite, writes bench/results/latest.md, prints it and the ratios.
// Exit code 1 when a target failed to start, answered wrong or had h2load errors (the figures
// are then incomplete); ratios below their goals are reported, not failed.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CommanderError } from 'commander';
import { parseOptions, type BenchOptions } from './options';
import { formatRatio, ratioLines, renderReport } from './report';
import { runSuite } from './suite';

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const results = await runSuite(options);
  const report = renderReport(results);
  mkdirSync(dirname(options.out), { recursive: true });
  // Written whole then renamed, so an interrupted run never leaves half a report.
  writeFileSync(`${options.out}.tmp`, report);
  renameSync(`${options.out}.tmp`, options.out);

  process.stdout.write(`\n${report}\n`);
  process.stdout.write(`report written to ${options.out}\n\nratios (median of per-round ratios):\n`);
  for (const line of ratioLines(results)) process.stdout.write(`  ${line.what}: ${formatRatio(line.ratio, line.goal).replace(/\*\*/g, '')}\n`);
  if (results.problems.length > 0) {
    process.stdout.write(`\n${results.problems.length} problem(s), see the report's Problems section\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
