// `route feature|list|record|chat`: the four RouteGuide RPC kinds.
import { setTimeout as sleep } from 'node:timers/promises';
import { routeguide } from '@grpc-ts/protos';
import { Option, type Command } from 'commander';
import { collectArg, intArg, latitudeArg, longitudeArg, pointArg, routeFileArg } from '../arg-parsers';
import { CliContext, withClient } from '../context';
import { formatFeature, formatNote, formatSummary } from '../format';
import { notesFromLines, parseNote } from '../notes';
import { randomPoints } from '../points';

const DEFAULT_ROUTE_POINTS = 10;

export function registerRouteCommands(program: Command): void {
  const group = program
    .command('route')
    .description('route-guide (routeguide.RouteGuide) calls; points are E7 integers (degrees x 10^7)');

  group
    .command('feature')
    .description('the feature at a point (GetFeature, unary)')
    .argument('<lat>', 'latitude, E7', latitudeArg)
    .argument('<lng>', 'longitude, E7', longitudeArg)
    .action(async (latitude: number, longitude: number, _options: object, command: Command) => {
      const context = CliContext.of(command);
      const feature = await withClient(context, routeguide.RouteGuideService, context.options.routeAddr, (client) =>
        client.getFeature({ latitude, longitude }, context.callOpts()),
      );
      if (context.json) context.printJson(feature);
      else context.print(formatFeature(feature));
    });

  group
    .command('list')
    .description('the features inside a rectangle (ListFeatures, server streaming)')
    .argument('<lo>', 'one corner, "lat,lng"', pointArg)
    .argument('<hi>', 'the opposite corner, "lat,lng"', pointArg)
    .addHelpText('after', '\nA corner that starts with "-" looks like an option: put -- before the corners.\n  route list -- -338688000,1512093000 -330000000,1520000000')
    .action(async (lo: routeguide.Point, hi: routeguide.Point, _options: object, command: Command) => {
      const context = CliContext.of(command);
      let count = 0;
      const features: routeguide.Feature[] = [];
      await withClient(context, routeguide.RouteGuideService, context.options.routeAddr, async (client) => {
        for await (const feature of client.listFeatures({ lo, hi }, context.callOpts())) {
          count++;
          // Text is printed as it streams in; JSON needs the whole list.
          if (context.json) features.push(feature);
          else context.print(formatFeature(feature));
        }
      });
      if (context.json) context.printJson({ count, features });
      else context.print(`${count} features`);
    });

  group
    .command('record')
    .description('send a route and get its summary (RecordRoute, client streaming)')
    .addOption(new Option('--points <n>', `a random route of n points (default ${DEFAULT_ROUTE_POINTS})`).argParser(intArg(0, 1_000_000)))
    .addOption(
      new Option('--file <path>', 'a route file: JSON points/features, or "lat,lng" lines').argParser(routeFileArg).conflicts('points'),
    )
    .addOption(new Option('--interval <ms>', 'pause between points (ms)').default(0).argParser(intArg(0, 60_000)))
    .action(async (options: { points?: number; file?: routeguide.Point[]; interval: number }, command: Command) => {
      const context = CliContext.of(command);
      const points = options.file ?? randomPoints(options.points ?? DEFAULT_ROUTE_POINTS);
      const summary = await withClient(context, routeguide.RouteGuideService, context.options.routeAddr, (client) =>
        client.recordRoute(paced(points, options.interval), deadlineFor(context, points.length * options.interval)),
      );
      if (context.json) context.printJson(summary);
      else context.print(`sent ${points.length} points: ${formatSummary(summary)}`);
    });

  group
    .command('chat')
    .description('exchange notes (RouteChat, bidi streaming): each note is "lat,lng message"; read from stdin lines when none are given')
    .argument('[notes...]', 'notes such as "409146138,-746188906 hello"', collectArg(parseNote))
    .action(async (notes: routeguide.RouteNote[] | undefined, _options: object, command: Command) => {
      const context = CliContext.of(command);
      const fromStdin = !notes || notes.length === 0;
      // Someone typing at a terminal gets no deadline; arguments and piped input do.
      const interactive = fromStdin && process.stdin.isTTY === true;
      const source = fromStdin ? notesFromLines(process.stdin) : notes;
      let sent = 0;
      const counted = async function* () {
        for await (const note of source) {
          sent++;
          yield note;
        }
      };
      let receivedCount = 0;
      const received: routeguide.RouteNote[] = []; // kept for --json only
      await withClient(context, routeguide.RouteGuideService, context.options.routeAddr, async (client) => {
        const opts = interactive ? { metadata: context.callOpts().metadata } : context.callOpts();
        for await (const note of client.routeChat(counted(), opts)) {
          receivedCount++;
          if (context.json) received.push(note);
          else context.print(formatNote(note));
        }
      });
      if (context.json) context.printJson({ sent, received });
      else context.print(`sent ${sent} notes, received ${receivedCount}`);
    });
}

async function* paced(points: routeguide.Point[], intervalMs: number): AsyncGenerator<routeguide.Point> {
  for (const [index, point] of points.entries()) {
    if (index > 0 && intervalMs > 0) await sleep(intervalMs);
    yield point;
  }
}

/** The call's deadline, stretched by the time the route itself takes to send. */
function deadlineFor(context: CliContext, sendingMs: number) {
  const opts = context.callOpts();
  return { ...opts, timeoutMs: (opts.timeoutMs ?? 0) + sendingMs };
}
