// `demo`: every RPC of both services once, with a readable summary. A failed step is shown
// and the rest still run; the exit code is 0 only when every step succeeded.
import { checkHealth, prod, routeguide, type AsyncClient } from '@grpc-ts/protos';
import type { Command } from 'commander';
import { EXIT_FAILED } from '../cli-error';
import { CliContext } from '../context';
import { formatFeature, formatMs, formatPoint, formatSummary } from '../format';
import { randomPoints } from '../points';

interface Step {
  service: 'prod-service' | 'route-guide';
  call: string;
  run: () => Promise<string>;
}

interface StepOutcome {
  service: string;
  call: string;
  ok: boolean;
  result: string;
  ms: number;
}

// A point with a named feature in the sample data, and a rectangle around part of it.
const KNOWN_POINT: routeguide.Point = { latitude: 409146138, longitude: -746188906 };
const AREA: routeguide.Rectangle = {
  lo: { latitude: 400000000, longitude: -750000000 },
  hi: { latitude: 420000000, longitude: -730000000 },
};

interface DemoClients {
  prod: AsyncClient<typeof prod.ProdServiceService>;
  route: AsyncClient<typeof routeguide.RouteGuideService>;
}

/** A health answer other than SERVING is a failed step, not a successful call. */
async function serving(check: Promise<string>): Promise<string> {
  const state = await check;
  if (state !== 'SERVING') throw new Error(state);
  return state;
}

function demoSteps(context: CliContext, clients: DemoClients): Step[] {
  const { prodAddr, routeAddr } = context.options;
  const opts = () => context.callOpts();
  return [
    {
      service: 'prod-service',
      call: 'Health/Check',
      run: () => serving(checkHealth(prodAddr, 'services.ProdService', context.healthOptions())),
    },
    {
      service: 'prod-service',
      call: 'GetProdStock(prod_id=1)',
      run: async () => `pro_stock=${(await clients.prod.getProdStock({ prodId: 1 }, opts())).proStock}`,
    },
    {
      service: 'route-guide',
      call: 'Health/Check',
      run: () => serving(checkHealth(routeAddr, 'routeguide.RouteGuide', context.healthOptions())),
    },
    {
      service: 'route-guide',
      call: `GetFeature(${formatPoint(KNOWN_POINT)})`,
      run: async () => formatFeature(await clients.route.getFeature(KNOWN_POINT, opts())),
    },
    {
      service: 'route-guide',
      call: `ListFeatures(${formatPoint(AREA.lo)} .. ${formatPoint(AREA.hi)})`,
      run: async () => {
        let count = 0;
        for await (const _feature of clients.route.listFeatures(AREA, opts())) count++;
        return `${count} features`;
      },
    },
    {
      service: 'route-guide',
      call: 'RecordRoute(10 random points)',
      run: async () => formatSummary(await clients.route.recordRoute(randomPoints(10), opts())),
    },
    {
      service: 'route-guide',
      call: 'RouteChat(3 notes, 2 at one place)',
      run: async () => {
        const here = { latitude: 0, longitude: Math.floor(Math.random() * 1e7) };
        const notes = [
          { location: here, message: 'first' },
          { location: { latitude: 1, longitude: 1 }, message: 'elsewhere' },
          { location: here, message: 'second' },
        ];
        let received = 0;
        for await (const _note of clients.route.routeChat(notes, opts())) received++;
        return `sent ${notes.length}, received ${received}`;
      },
    },
  ];
}

async function runStep(context: CliContext, step: Step): Promise<StepOutcome> {
  const started = performance.now();
  let ok = true;
  let result: string;
  try {
    result = await step.run();
  } catch (error) {
    ok = false;
    result = context.explain(error);
  }
  return { service: step.service, call: step.call, ok, result, ms: performance.now() - started };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('call every RPC of prod-service and route-guide once and print a summary')
    .action(async (_options: object, command: Command) => {
      const context = CliContext.of(command);
      const clients: DemoClients = {
        prod: context.client(prod.ProdServiceService, context.options.prodAddr),
        route: context.client(routeguide.RouteGuideService, context.options.routeAddr),
      };
      const outcomes: StepOutcome[] = [];
      try {
        for (const step of demoSteps(context, clients)) outcomes.push(await runStep(context, step));
      } finally {
        clients.prod.$close();
        clients.route.$close();
      }
      const passed = outcomes.filter((outcome) => outcome.ok).length;
      if (context.json) {
        context.printJson({ passed, failed: outcomes.length - passed, steps: outcomes });
      } else {
        context.print(formatDemo(outcomes, context.options));
        context.print(`${passed} of ${outcomes.length} calls succeeded`);
      }
      if (passed < outcomes.length) process.exitCode = EXIT_FAILED;
    });
}

function formatDemo(outcomes: StepOutcome[], targets: { prodAddr: string; routeAddr: string }): string {
  const width = Math.max(...outcomes.map((outcome) => outcome.call.length));
  const lines: string[] = [];
  let service = '';
  for (const outcome of outcomes) {
    if (outcome.service !== service) {
      service = outcome.service;
      lines.push(`${service} at ${service === 'prod-service' ? targets.prodAddr : targets.routeAddr}`);
    }
    const mark = outcome.ok ? 'ok  ' : 'FAIL';
    lines.push(`  ${mark} ${outcome.call.padEnd(width)}  ${formatMs(outcome.ms).padStart(9)}  ${outcome.result}`);
  }
  return lines.join('\n');
}
