// The suite's pure parts: h2load parsing and checks, stats, options, payloads, metrics and
// stream-client parsing, and the report's ratios against the goals.
import { checkH2load, h2loadArgs, parseH2load, parseLoadShapes } from '../src/h2load';
import { parseOptions } from '../src/options';
import { grpcFrame, loadPayloads } from '../src/payloads';
import { prod, routeguide } from '@grpc-ts/protos';
import { ratioLines, renderReport } from '../src/report';
import { parseCallCounts } from '../src/service-metrics';
import { formatCount, median, medianRatio, spread } from '../src/stats';
import { parseStreamClientOutput } from '../src/stream-bench';
import type { SuiteResults, UnaryMeasurement } from '../src/results';

// Real h2load 1.52 output (a timed run against prod-service), trimmed of its latency table.
const H2LOAD_OK = `starting benchmark...
spawning thread #0: 1 total client(s). Timing-based test with 0s of warm-up time and 2s of main duration for measurements.

finished in 2.00s, 14416.00 req/s, 592.15KB/s
requests: 28832 total, 28896 started, 28832 done, 28832 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 28864 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 1.16MB (1212724) total, 141.47KB (144864) headers (space savings 96.39%), 225.50KB (230912) data
                     min         max         mean         sd        +/- sd
time for request:      754us     30.35ms      1.44ms      1.92ms    93.28%
`;

// Every call answered with a gRPC error: HTTP 200, "succeeded" for h2load, but no body at all.
const H2LOAD_GRPC_ERRORS = `finished in 21.01ms, 4760.32 req/s, 184.28KB/s
requests: 100 total, 100 started, 100 done, 100 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 100 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 1.49KB (1524) total, 600B (600) headers (space savings 96.15%), 0B (0) data
`;

describe('h2load', () => {
  it('parses the summary lines', () => {
    expect(parseH2load(H2LOAD_OK)).toEqual({
      seconds: 2,
      requestsPerSec: 14416,
      total: 28832,
      succeeded: 28832,
      failed: 0,
      errored: 0,
      timeout: 0,
      status2xx: 28864,
      statusOther: 0,
      dataBytes: 230912,
    });
    expect(parseH2load(H2LOAD_GRPC_ERRORS).seconds).toBeCloseTo(0.02101);
  });

  it('refuses output without a summary', () => {
    expect(() => parseH2load('connect to 127.0.0.1:1 failed\n')).toThrow(/no finished line/);
  });

  it('accepts answers that are all one expected frame, even with a few cut off at the deadline', () => {
    // 230912 bytes = 28864 answers x 8-byte frame (5-byte prefix + 3-byte ProdResponse).
    expect(checkH2load(parseH2load(H2LOAD_OK), 8, { connections: 4, streams: 16 })).toEqual([]);
    const cut = { ...parseH2load(H2LOAD_OK), status2xx: 28864 + 10 };
    expect(checkH2load(cut, 8, { connections: 4, streams: 16 })).toEqual([]);
  });

  it('catches gRPC errors hidden behind HTTP 200, wrong-sized answers and transport errors', () => {
    const shape = { connections: 1, streams: 16 };
    expect(checkH2load(parseH2load(H2LOAD_GRPC_ERRORS), 8, shape)).toEqual([expect.stringMatching(/body bytes 0 do not match 100 answers/)]);
    expect(checkH2load(parseH2load(H2LOAD_OK), 9, shape)).toEqual([expect.stringMatching(/body bytes/)]);
    const broken = { ...parseH2load(H2LOAD_OK), errored: 3, statusOther: 2 };
    expect(checkH2load(broken, 8, { connections: 4, streams: 16 })).toEqual([
      '0 failed, 3 errored, 0 timed out',
      '2 non-2xx responses',
    ]);
  });

  it('builds a gRPC POST with the framed body file and a millisecond duration', () => {
    const args = h2loadArgs({ url: 'http://127.0.0.1:1/p.S/M', bodyFile: '/tmp/b', shape: { connections: 4, streams: 16 }, durationMs: 1500 });
    expect(args).toEqual([
      '-D', '1500ms', '-c', '4', '-m', '16', '-t', '1',
      '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-d', '/tmp/b', 'http://127.0.0.1:1/p.S/M',
    ]);
  });

  it('parses load shapes and rejects bad ones', () => {
    expect(parseLoadShapes('1x1, 4x16')).toEqual([
      { connections: 1, streams: 1 },
      { connections: 4, streams: 16 },
    ]);
    expect(() => parseLoadShapes('16')).toThrow(/CONNECTIONSxSTREAMS/);
    expect(() => parseLoadShapes('0x4')).toThrow(/bad load shape/);
  });
});

describe('stats', () => {
  it('takes medians, spreads and per-round ratios', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(spread([90, 100, 110])).toBeCloseTo(0.2);
    // Round 2 lacks a denominator and is skipped; ratios 2 and 4 -> median 3.
    expect(medianRatio([20, 30, 40], [10, undefined, 10])).toBe(3);
    expect(medianRatio([1], [0])).toBeNaN();
    expect(formatCount(12345.6)).toBe('12,346');
  });
});

describe('options', () => {
  it('defaults to 3 rounds of 5 s at 1, 16 and 64 in flight, written to bench/results/latest.md', () => {
    const options = parseOptions([]);
    expect(options).toMatchObject({ rounds: 3, durationMs: 5000, warmupMs: 1000, streamConcurrency: 4, pythonWorkers: 10, quick: false });
    expect(options.shapes.map((s) => s.connections * s.streams)).toEqual([1, 16, 64]);
    expect(options.out).toMatch(/bench\/results\/latest\.md$/);
    expect(options.targets).toHaveLength(6);
  });

  it('--quick shortens what is not given explicitly and does not overwrite latest.md', () => {
    const quick = parseOptions(['--quick', '--rounds', '2']);
    expect(quick).toMatchObject({ rounds: 2, durationMs: 1000, warmupMs: 500, quick: true });
    expect(quick.shapes).toEqual([{ connections: 1, streams: 16 }]);
    expect(quick.out).not.toMatch(/latest\.md$/);
  });

  it('rejects bad values with a message', () => {
    const parse = (args: string[]) => () => parseOptions(args);
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true); // commander prints the error too
    try {
      expect(parse(['--rounds', '0'])).toThrow(/positive/);
      expect(parse(['--targets', 'nginx'])).toThrow(/unknown target "nginx"/);
      expect(parse(['--load', '16'])).toThrow(/CONNECTIONSxSTREAMS/);
    } finally {
      jest.restoreAllMocks();
    }
  });
});

describe('payloads', () => {
  it('frames a message with the 5-byte gRPC prefix', () => {
    expect([...grpcFrame(Uint8Array.of(8, 1))]).toEqual([0, 0, 0, 0, 2, 8, 1]);
  });

  it('builds the requests and answers from the services data files', () => {
    const payloads = loadPayloads();
    const stock = payloads.unary.GetProdStock;
    expect(stock.path).toBe('/services.ProdService/GetProdStock');
    expect(prod.ProdRequest.decode(stock.request).prodId).toBe(payloads.getProdStock.request.prodId);
    expect(prod.ProdResponse.decode(stock.response)).toEqual(payloads.getProdStock.response);
    const feature = payloads.unary.GetFeature;
    expect(routeguide.Feature.decode(feature.response)).toEqual(payloads.getFeature.response);
    expect(payloads.getFeature.response.name).not.toBe('');
    expect(payloads.listFeatures.response.length).toBeGreaterThan(10);
    expect(payloads.listFeatures.response.every((f) => f.name !== '')).toBe(true);
  });
});

describe('parsers of the other processes', () => {
  it('reads call counts from a service /metrics page', () => {
    const page = [
      '# HELP grpc_server_handled_total RPCs completed',
      'grpc_server_handled_total{grpc_method="/services.ProdService/GetProdStock",grpc_code="OK",service="prod-service"} 120',
      'grpc_server_handled_total{grpc_method="/services.ProdService/GetProdStock",grpc_code="CANCELLED",service="prod-service"} 3',
      'grpc_server_handled_total{grpc_method="/services.ProdService/GetProdStock",grpc_code="RESOURCE_EXHAUSTED",service="prod-service"} 2',
      'grpc_server_handled_total{grpc_method="/grpc.health.v1.Health/Check",grpc_code="OK",service="prod-service"} 9',
      'grpc_server_rejected_total{grpc_method="/services.ProdService/GetProdStock",reason="full"} 2',
    ].join('\n');
    expect(parseCallCounts(page, '/services.ProdService/GetProdStock')).toEqual({
      byCode: { OK: 120, CANCELLED: 3, RESOURCE_EXHAUSTED: 2 },
      unexpected: { RESOURCE_EXHAUSTED: 2 },
      rejected: 2,
    });
  });

  it('reads the stream client result line', () => {
    const output = 'some warning\n{"messages":6400,"seconds":2,"calls":100,"errors":0,"clientCpu":0.5}\n';
    expect(parseStreamClientOutput(output)).toMatchObject({ messages: 6400, messagesPerSec: 3200, errors: 0 });
    expect(() => parseStreamClientOutput('Error: connect ECONNREFUSED\n')).toThrow(/no result line/);
  });
});

describe('report', () => {
  const shape = { connections: 1, streams: 16 };
  const unary = (round: number, target: UnaryMeasurement['target'], rpc: UnaryMeasurement['rpc'], callsPerSec: number, problems: string[] = []) =>
    ({ round, target, rpc, shape, callsPerSec, problems, h2load: {} }) as UnaryMeasurement;
  const results: SuiteResults = {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:03:05.000Z',
    machine: { cores: 2, cpuModel: 'Test CPU', kernel: 'Linux x', node: 'v20', grpcJs: '1.14.7', h2load: 'h2load nghttp2/1.52.0', pythonGrpc: 'grpcio 1.51.1', loadAverage: 0.1 },
    options: { ...parseOptions([]), rounds: 2, shapes: [shape] },
    pinned: true,
    targets: [],
    unary: [
      unary(1, 'prod-service', 'GetProdStock', 19_000),
      unary(1, 'bare-grpc-js', 'GetProdStock', 20_000),
      unary(1, 'python-grpcio', 'GetProdStock', 10_000),
      unary(2, 'prod-service', 'GetProdStock', 15_000),
      unary(2, 'bare-grpc-js', 'GetProdStock', 20_000),
      unary(2, 'python-grpcio', 'GetProdStock', 5_000, ['body bytes do not match']),
    ],
    stream: [
      { round: 1, target: 'route-guide', messagesPerSec: 100_000, calls: 1, errors: 0, clientCpu: 0.8, problems: [] },
      { round: 1, target: 'python-grpcio', messagesPerSec: 20_000, calls: 1, errors: 0, clientCpu: 0.2, problems: [] },
    ],
    edge: [
      { round: 1, case: 'edge PlanTrip', perSec: 3_000, cpuMicros: 300, problems: [] },
      { round: 1, case: 'route-guide GetFeature', perSec: 15_000, cpuMicros: 60, problems: [] },
      { round: 2, case: 'edge PlanTrip', perSec: 4_000, cpuMicros: 250, problems: [] },
      { round: 2, case: 'route-guide GetFeature', perSec: 10_000, cpuMicros: 100, problems: [] },
      { round: 1, case: 'edge ExploreArea', perSec: 40_000, cpuMicros: 20, problems: [] },
      { round: 1, case: 'route-guide ListFeatures', perSec: 80_000, cpuMicros: 10, problems: [] },
    ],
    checks: ['all good'],
    problems: ['round 2 GetProdStock python-grpcio: body bytes do not match'],
    skipped: [],
  };

  it('takes ratios within rounds, leaves out figures with problems and marks the goals', () => {
    const byWhat = Object.fromEntries(ratioLines(results).map((line) => [line.what, line]));
    // Rounds: 0.95 and 0.75 -> 0.85.
    expect(byWhat['prod-service / bare grpc-js, GetProdStock, 16 (1x16) in flight']!.ratio).toBeCloseTo(0.85);
    // Round 2's Python figure had a problem: only round 1 counts (1.9).
    expect(byWhat['prod-service / Python grpcio, GetProdStock, 16 (1x16) in flight']!.ratio).toBeCloseTo(1.9);
    expect(byWhat['route-guide / Python grpcio, ListFeatures messages/s']).toMatchObject({ ratio: 5, goal: 4 });
  });

  it('renders the tables, the verdicts, the checks and the problems', () => {
    const report = renderReport(results);
    expect(report).toContain('on 2 cores (Test CPU)');
    expect(report).toContain('node v20');
    expect(report).toContain('| 16 (1x16) | 17,000 ±12% | 20,000 ±0% | - | 10,000 | **0.85x (BELOW 0.9x)** | 1.90x (meets >= 1.7x) | - |');
    expect(report).toContain('| route-guide | 100,000 | 80% |');
    expect(report).toContain('5.00x (meets >= 4x)');
    expect(report).toContain('- round 2 GetProdStock python-grpcio: body bytes do not match');
    expect(report).toContain('| GetProdStock 16 (1x16) Python grpcio calls/s | 10,000 | 5,000 (!) |');
  });

  it('puts the edge beside the direct calls, with server CPU per call and per-round ratios', () => {
    const report = renderReport(results);
    expect(report).toContain('## Through the edge (connect-node), median of 2');
    expect(report).toContain('| edge PlanTrip | 3,500 ±14% calls/s | 275.0 µs |');
    expect(report).toContain('| route-guide ListFeatures | 80,000 messages/s | 10.0 µs |');
    // Rounds: 0.2 and 0.4 -> 0.30; CPU 5.0 and 2.5 -> 3.75.
    expect(report).toContain('PlanTrip 0.30x the calls/s of a direct GetFeature at 3.75x its CPU per call');
    expect(report).toContain('ExploreArea 0.50x the messages/s of a direct ListFeatures at 2.00x its CPU per message');
  });
});
