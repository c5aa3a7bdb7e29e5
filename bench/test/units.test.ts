// The suite's pure parts: h2load parsing and checks, stats, options, payloads, metrics and
// stream-client parsing, and the report's ratios against the goals.
import { checkH2load, checkH2loadTls, h2loadArgs, parseH2load, parseLoadShapes } from '../src/h2load';
import { parseOptions } from '../src/options';
import { grpcFrame, loadPayloads } from '../src/payloads';
import { prod, routeguide } from '@grpc-ts/protos';
import { ratioLines, renderReport, tlsSection } from '../src/report';
import { parseCallCounts } from '../src/service-metrics';
import { formatCount, median, medianDifference, medianRatio, spread } from '../src/stats';
import { rotated, streamTargets, unaryTargets } from '../src/plan';
import { SETTING_VARIANT_IDS } from '../src/variants';
import { measureUnary } from '../src/measure';
import type { BenchTls } from '../src/tls';
import { parseStreamClientOutput } from '../src/stream-bench';
import { checkServerCpu, formatMicros, isSameOrDescendant, parseCoreSteal, parseProcStat, serverCpuBetween, type ProcStat } from '../src/server-cpu';
import { baseOf, listeningPids, targetSpec, variantOf } from '../src/servers';
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

  it('asks for a fixed number of calls instead of a window when given one', () => {
    const args = h2loadArgs({ url: 'http://127.0.0.1:1/p.S/M', bodyFile: '/tmp/b', shape: { connections: 1, streams: 1 }, durationMs: 1500, requests: 200 });
    expect(args.slice(0, 2)).toEqual(['-n', '200']);
    expect(args).not.toContain('-D');
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

// Real h2load 1.52 output over https against route-guide with TLS, trimmed.
const H2LOAD_TLS = `starting benchmark...
spawning thread #0: 1 total client(s). Timing-based test with 0s of warm-up time and 1s of main duration for measurements.
Main benchmark duration is started for thread #0.
TLS Protocol: TLSv1.3
Cipher: TLS_AES_256_GCM_SHA384
Server Temp Key: X25519 253 bits
Application protocol: h2
Main benchmark duration is over for thread #0. Stopping all clients.

finished in 1.03s, 808.00 req/s, 93.27KB/s
requests: 808 total, 812 started, 808 done, 808 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 808 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 93.27KB (95505) total, 4.06KB (4153) headers (space savings 96.30%), 66.28KB (67872) data
`;

describe('h2load over TLS', () => {
  it('reads the TLS protocol, cipher and ALPN protocol h2load negotiated', () => {
    const parsed = parseH2load(H2LOAD_TLS);
    expect(parsed).toMatchObject({ succeeded: 808, applicationProtocol: 'h2', tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } });
    expect(checkH2loadTls(parsed)).toEqual([]);
    expect(parseH2load(H2LOAD_OK).tls).toBeUndefined();
  });

  it('flags an https run that was not TLS or did not get h2 by ALPN', () => {
    expect(checkH2loadTls(parseH2load(H2LOAD_OK))).toEqual([expect.stringMatching(/no TLS Protocol line/)]);
    const http11 = parseH2load(H2LOAD_TLS.replace('Application protocol: h2', 'Application protocol: http/1.1'));
    expect(checkH2loadTls(http11)).toEqual([expect.stringMatching(/negotiated http\/1\.1 over TLS, not h2/)]);
    const none = parseH2load(H2LOAD_TLS.replace('Application protocol: h2\n', ''));
    expect(checkH2loadTls(none)).toEqual([expect.stringMatching(/no application protocol/)]);
  });

  it('refuses to load a mutual-TLS target with h2load, which cannot present a client certificate', async () => {
    const pem = { file: '/x', pem: 'x' };
    const endpoint = { address: '127.0.0.1:1', tls: { ca: pem, client: { cert: pem, key: pem } } };
    const options = { durationMs: 1000, warmupMs: 0 };
    const measured = await measureUnary(1, 'route-guide:mtls', endpoint, 'GetFeature', { connections: 1, streams: 1 }, '/x', loadPayloads(), options);
    expect(measured).toEqual({ error: expect.stringMatching(/cannot present a client certificate/) });
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
    // Differences within rounds: (50-40, skipped, 44-40) -> median 7.
    expect(medianDifference([50, 45, 44], [40, undefined, 40])).toBe(7);
    expect(medianDifference([1], [undefined])).toBeNaN();
  });
});

describe('server CPU', () => {
  // A real /proc/<pid>/stat line of a node process (utime 9, stime 0 ticks) ...
  const NODE_STAT =
    '14283 (node) R 14281 14281 364 0 -1 4194304 2187 0 0 0 9 0 0 0 20 0 7 0 289636 745713664 10104 18446744073709551615 ' +
    '11988992 39846385 140733496552256 0 0 0 0 16781312 17922 0 0 0 17 0 0 0 0 0 0 90418888 90555584 705642496 0\n';

  it('reads ppid, utime and stime from a /proc/<pid>/stat line', () => {
    expect(parseProcStat(NODE_STAT)).toEqual({ pid: 14283, state: 'R', ppid: 14281, utime: 9, stime: 0 });
  });

  it('counts fields from the last parenthesis: a command name may hold spaces and parentheses', () => {
    // ... and one whose name (a thread renamed to "a) (b c") would shift every field if split on spaces.
    const tricky = NODE_STAT.replace('(node)', '(a) (b c)').replace(' 9 0 0 0 20', ' 1234 567 0 0 20');
    expect(parseProcStat(tricky)).toEqual({ pid: 14283, state: 'R', ppid: 14281, utime: 1234, stime: 567 });
    expect(() => parseProcStat('')).toThrow(/not a \/proc\/<pid>\/stat line/);
    expect(() => parseProcStat('12 (x) R')).toThrow(/not a \/proc/);
  });

  it('turns two readings into CPU seconds, share of a core and µs per call', () => {
    const cpu = serverCpuBetween({ cpuSeconds: 10, atMs: 1000 }, { cpuSeconds: 14.5, atMs: 6000 }, 90_000);
    expect(cpu.cpuSeconds).toBeCloseTo(4.5);
    expect(cpu.wallSeconds).toBe(5);
    expect(cpu.utilization).toBeCloseTo(0.9);
    expect(cpu.count).toBe(90_000);
    expect(cpu.microsPerUnit).toBeCloseTo(50); // 4.5 s / 90,000 calls
    expect(serverCpuBetween({ cpuSeconds: 1, atMs: 0 }, { cpuSeconds: 1, atMs: 10 }, 0).microsPerUnit).toBeNaN();
    // The counters of one live process never go backwards: a drop means another (restarted) process.
    expect(() => serverCpuBetween({ cpuSeconds: 5, atMs: 0 }, { cpuSeconds: 4, atMs: 10 }, 1)).toThrow(/not one live process/);
  });

  it('reads the steal time of the server core from /proc/stat and reports its share of the window', () => {
    const procStat = 'cpu  704183 0 102005 497780 2974 0 8791 16583 0 0\ncpu0 356060 0 46624 248271 710 0 5210 9095 0 0\ncpu1 348122 0 55381 249509 2264 0 3581 7487 0 0\nintr 1\n';
    expect(parseCoreSteal(procStat, 0)).toBe(9095);
    expect(parseCoreSteal(procStat, 1)).toBe(7487);
    expect(parseCoreSteal(procStat, 7)).toBeUndefined();
    const cpu = serverCpuBetween({ cpuSeconds: 0, atMs: 0, stealSeconds: 90.95 }, { cpuSeconds: 1.8, atMs: 2000, stealSeconds: 91.15 }, 1000);
    expect(cpu.stealShare).toBeCloseTo(0.1); // 0.2 s of 2 s
    expect(serverCpuBetween({ cpuSeconds: 0, atMs: 0 }, { cpuSeconds: 1, atMs: 1000 }, 1).stealShare).toBeUndefined();
  });

  it('flags a window with no calls or no server CPU (the wrong pid)', () => {
    const cpu = (cpuSeconds: number, count: number) => serverCpuBetween({ cpuSeconds: 0, atMs: 0 }, { cpuSeconds, atMs: 1000 }, count);
    expect(checkServerCpu(cpu(0.9, 20_000))).toEqual([]);
    expect(checkServerCpu(cpu(0.9, 0))).toEqual([expect.stringMatching(/nothing was served/)]);
    expect(checkServerCpu(cpu(0, 20_000))).toEqual([expect.stringMatching(/wrong pid/)]);
  });

  it('reads CPU only from processes that logged listening and run under the spawned process', () => {
    const parents: Record<number, number> = { 100: 1, 101: 100, 200: 1 };
    const read = (pid: number): ProcStat => ({ pid, state: 'S', ppid: parents[pid] ?? 1, utime: 0, stime: 0 });
    expect(isSameOrDescendant(100, 100, read)).toBe(true);
    expect(isSameOrDescendant(101, 100, read)).toBe(true); // a cluster worker under its primary
    expect(isSameOrDescendant(200, 100, read)).toBe(false);
    const self = process.pid;
    expect(listeningPids('t', [{ msg: 'started' }, { msg: 'listening', pid: self, port: 1 }], self)).toEqual([self]);
    expect(() => listeningPids('t', [{ msg: 'listening', port: 1 }], self)).toThrow(/carry no pid/);
    expect(() => listeningPids('t', [{ msg: 'listening', pid: self, port: 1 }], 1 << 30)).toThrow(/not process/);
  });

  it('formats µs with one decimal below 100', () => {
    expect(formatMicros(41.234)).toBe('41.2');
    expect(formatMicros(1234.5)).toBe('1,235');
    expect(formatMicros(Number.NaN)).toBe('-');
  });
});

describe('options', () => {
  it('defaults to 3 rounds of 5 s at 1, 16 and 64 in flight, written to bench/results/latest.md', () => {
    const options = parseOptions([]);
    expect(options).toMatchObject({ rounds: 3, durationMs: 5000, warmupMs: 1000, streamConcurrency: 4, pythonWorkers: 10, quick: false });
    expect(options.shapes.map((s) => s.connections * s.streams)).toEqual([1, 16, 64]);
    expect(options.out).toMatch(/bench\/results\/latest\.md$/);
    expect(options.targets).toHaveLength(7);
    expect(options.variants).toEqual([]);
  });

  it('--variants takes "all" or a list of settings to change one at a time', () => {
    expect(parseOptions(['--variants', 'all']).variants).toEqual(SETTING_VARIANT_IDS);
    expect(parseOptions(['--variants', 'no-connection-limit, no-limiter']).variants).toEqual(['no-connection-limit', 'no-limiter']);
  });

  it('--variants takes the transports by name; "all" is the settings only, and combines with them', () => {
    expect(parseOptions(['--variants', 'tls,mtls']).variants).toEqual(['tls', 'mtls']);
    expect(parseOptions(['--variants', 'all']).variants).not.toContain('tls');
    expect(parseOptions(['--variants', 'all,tls']).variants).toEqual([...SETTING_VARIANT_IDS, 'tls']);
    expect(parseOptions(['--variants', 'tls, tls']).variants).toEqual(['tls']);
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
      expect(parse(['--variants', 'no-metrics'])).toThrow(/unknown variant "no-metrics"/);
      expect(parse(['--variants', 'tls,ssl'])).toThrow(/unknown variant "ssl" \(known: all, .*tls, mtls\)/);
    } finally {
      jest.restoreAllMocks();
    }
  });
});

describe('measuring order', () => {
  it('starts each round one target further along, so none is always first', () => {
    const targets = ['prod-service', 'bare-grpc-js', 'bare-grpc-js-2', 'raw-http2', 'python-grpcio'];
    expect(rotated(targets, 1)).toEqual(targets);
    expect(rotated(targets, 2)).toEqual(['bare-grpc-js', 'bare-grpc-js-2', 'raw-http2', 'python-grpcio', 'prod-service']);
    expect(rotated(targets, 6)).toEqual(targets);
    expect(rotated([], 3)).toEqual([]);
  });
});

describe('variants', () => {
  it('measures each variant right after its service, in the same rounds as bare grpc-js', () => {
    expect(unaryTargets('GetProdStock', ['no-connection-limit', 'no-limiter'])).toEqual([
      'prod-service',
      'prod-service:no-connection-limit',
      'prod-service:no-limiter',
      'bare-grpc-js',
      'bare-grpc-js-2',
      'raw-http2',
      'python-grpcio',
    ]);
    expect(streamTargets(['all-off'])).toEqual(['route-guide', 'route-guide:all-off', 'bare-grpc-js', 'bare-grpc-js-2', 'python-grpcio']);
    expect(unaryTargets('GetFeature')).toEqual(['route-guide', 'bare-grpc-js', 'bare-grpc-js-2', 'raw-http2', 'python-grpcio']);
    expect(baseOf('route-guide:no-connection-limit')).toBe('route-guide');
    expect(variantOf('route-guide:no-connection-limit')).toBe('no-connection-limit');
    expect(variantOf('bare-grpc-js')).toBeUndefined();
  });

  it('starts a variant from the service bundle with one environment variable more', () => {
    const payloads = loadPayloads();
    const bundles = { 'prod-service': '/b/prod/main.js' };
    const defaults = targetSpec('prod-service', bundles, payloads);
    const variant = targetSpec('prod-service:no-connection-limit', bundles, payloads);
    expect(variant.args).toEqual(['/b/prod/main.js']);
    expect(variant.env).toEqual({ ...defaults.env, MAX_CONNECTIONS: '0', HANDSHAKE_TIMEOUT_MS: '0' });
    expect(targetSpec('prod-service:default-streams', bundles, payloads).env).toMatchObject({ MAX_CONCURRENT_STREAMS: '0' });
    expect(targetSpec('prod-service:no-reflection', bundles, payloads).env).toMatchObject({ REFLECTION: 'off' });
  });
});

describe('transport variants', () => {
  const payloads = loadPayloads();
  const bundles = { 'route-guide': '/b/rg/main.js', 'prod-service': '/b/prod/main.js' };
  const pem = (file: string) => ({ file, pem: `PEM of ${file}` });
  const tls: BenchTls = {
    dir: '/t',
    ca: pem('/t/ca.pem'),
    server: { cert: pem('/t/server.pem'), key: pem('/t/server-key.pem') },
    client: { cert: pem('/t/client.pem'), key: pem('/t/client-key.pem') },
    remove: () => undefined,
  };

  it('starts the same bundle with TLS files and AUTH=off: only the transport differs from the plaintext defaults', () => {
    const plaintext = targetSpec('route-guide', bundles, payloads, 10, tls);
    expect(plaintext.env).toMatchObject({ PLAINTEXT: 'true', AUTH: 'off' });
    expect(plaintext.tls).toBeUndefined();
    const spec = targetSpec('route-guide:tls', bundles, payloads, 10, tls);
    expect(spec.args).toEqual(['/b/rg/main.js']);
    expect(spec.env).toEqual({ ...plaintext.env, PLAINTEXT: 'false', TLS_CERT_FILE: '/t/server.pem', TLS_KEY_FILE: '/t/server-key.pem' });
    // The client trusts the bench CA and presents nothing.
    expect(spec.tls).toEqual({ ca: tls.ca });
  });

  it('mTLS adds the CA as TLS_CLIENT_CA_FILE and gives the clients the client certificate', () => {
    const spec = targetSpec('prod-service:mtls', bundles, payloads, 10, tls);
    expect(spec.env).toMatchObject({ PLAINTEXT: 'false', AUTH: 'off', TLS_CERT_FILE: '/t/server.pem', TLS_CLIENT_CA_FILE: '/t/ca.pem' });
    expect(spec.tls).toEqual({ ca: tls.ca, client: tls.client });
  });

  it('needs the TLS files, and leaves the setting variants plaintext', () => {
    expect(() => targetSpec('route-guide:tls', bundles, payloads)).toThrow(/needs the bench's TLS files/);
    const setting = targetSpec('route-guide:no-limiter', bundles, payloads, 10, tls);
    expect(setting.env).toMatchObject({ PLAINTEXT: 'true', MAX_CONCURRENT_RPCS: '0' });
    expect(setting.tls).toBeUndefined();
  });

  it('measures TLS unary and streaming, mTLS streaming only', () => {
    expect(unaryTargets('GetFeature', ['tls', 'mtls'])).toEqual(['route-guide', 'route-guide:tls', 'bare-grpc-js', 'bare-grpc-js-2', 'raw-http2', 'python-grpcio']);
    expect(streamTargets(['tls', 'mtls'])).toEqual(['route-guide', 'route-guide:tls', 'route-guide:mtls', 'bare-grpc-js', 'bare-grpc-js-2', 'python-grpcio']);
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
    const withCpu = '{"messages":6400,"seconds":2,"calls":100,"errors":0,"clientCpu":0.5,"serverCpu":{"cpuSeconds":0.064,"microsPerUnit":10}}\n';
    expect(parseStreamClientOutput(withCpu).serverCpu).toMatchObject({ microsPerUnit: 10 });
    expect(() => parseStreamClientOutput('Error: connect ECONNREFUSED\n')).toThrow(/no result line/);
  });
});

describe('report', () => {
  const shape = { connections: 1, streams: 16 };
  // Server CPU as if the server used 0.9 of its core for 5 s: µs/call = 4.5 s / (calls/s x 5 s).
  const cpuFor = (callsPerSec: number) => serverCpuBetween({ cpuSeconds: 0, atMs: 0 }, { cpuSeconds: 4.5, atMs: 5000 }, callsPerSec * 5);
  const unary = (round: number, target: UnaryMeasurement['target'], rpc: UnaryMeasurement['rpc'], callsPerSec: number, problems: string[] = []) =>
    ({ round, target, rpc, shape, callsPerSec, problems, h2load: {}, serverCpu: cpuFor(callsPerSec) }) as UnaryMeasurement;
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
      unary(1, 'bare-grpc-js-2', 'GetProdStock', 18_000),
      unary(1, 'python-grpcio', 'GetProdStock', 10_000),
      unary(2, 'prod-service', 'GetProdStock', 15_000),
      unary(2, 'bare-grpc-js', 'GetProdStock', 20_000),
      unary(2, 'bare-grpc-js-2', 'GetProdStock', 22_000),
      unary(2, 'python-grpcio', 'GetProdStock', 5_000, ['body bytes do not match']),
    ],
    stream: [
      { round: 1, target: 'route-guide', messagesPerSec: 100_000, calls: 1, errors: 0, clientCpu: 0.8, problems: [], serverCpu: cpuFor(100_000) },
      { round: 1, target: 'bare-grpc-js', messagesPerSec: 125_000, calls: 1, errors: 0, clientCpu: 0.8, problems: [], serverCpu: cpuFor(125_000) },
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
    // The second bare process: 0.9x and 1.1x of the first in its rounds -> 1.0x, the floor beside every ratio.
    expect(byWhat['bare grpc-js #2 / bare grpc-js (the same server, another process: the noise floor), GetProdStock, 16 (1x16) in flight']!.ratio).toBeCloseTo(1.0);
    // CPU per call, within each round: 19,000 vs 20,000 calls/s on the same CPU -> 1.053x; 15,000 vs 20,000 -> 1.333x.
    expect(byWhat['prod-service / bare grpc-js, server CPU per call, GetProdStock, 16 (1x16) in flight']!.ratio).toBeCloseTo((20 / 19 + 20 / 15) / 2);
    expect(byWhat['route-guide / bare grpc-js, ListFeatures server CPU per message']!.ratio).toBeCloseTo(1.25);
  });

  it('with --variants, tabulates each setting against the service defaults and bare grpc-js, round by round', () => {
    const withVariants: SuiteResults = {
      ...results,
      options: { ...results.options, variants: ['no-connection-limit'] },
      unary: [
        ...results.unary,
        unary(1, 'prod-service:no-connection-limit', 'GetProdStock', 19_500),
        unary(2, 'prod-service:no-connection-limit', 'GetProdStock', 18_000),
      ],
    };
    const report = renderReport(withVariants);
    expect(report).toContain('## One setting at a time');
    // µs/call: 4.5 s / (19,500 x 5) = 46.2 and 4.5 / (18,000 x 5) = 50.0 -> 48.1; vs bare (45.0): 1.026x and 1.111x -> 1.07x;
    // Δ against the defaults in the same round: 46.2 - 47.4 = -1.2 and 50.0 - 60.0 = -10.0 -> -5.6.
    expect(report).toContain('| prod-service [no-connection-limit] | `MAX_CONNECTIONS=0 HANDSHAKE_TIMEOUT_MS=0` |');
    expect(report).toMatch(/\| 48\.1 \(1\.07x, Δ −5\.6\) \|/);
    expect(report).toContain('| GetProdStock 16 (1x16) prod-service [no-connection-limit] calls/s | 19,500 | 18,000 |');
  });

  it('with --variants tls,mtls, compares each transport with the same service in plaintext, round by round', () => {
    const stream = (round: number, target: SuiteResults['stream'][number]['target'], messagesPerSec: number) =>
      ({ round, target, messagesPerSec, calls: 1, errors: 0, clientCpu: 0.8, problems: [], serverCpu: cpuFor(messagesPerSec) }) as SuiteResults['stream'][number];
    const withTls: SuiteResults = {
      ...results,
      options: { ...results.options, variants: ['tls', 'mtls'] },
      unary: [
        ...results.unary,
        unary(1, 'route-guide', 'GetFeature', 10_000),
        unary(1, 'route-guide:tls', 'GetFeature', 8_000),
        unary(2, 'route-guide', 'GetFeature', 10_000),
        unary(2, 'route-guide:tls', 'GetFeature', 7_000),
      ],
      stream: [...results.stream, stream(1, 'route-guide:tls', 80_000), stream(1, 'route-guide:mtls', 50_000)],
    };
    const section = tlsSection(withTls).join('\n');
    // calls/s: 0.8 and 0.7 of plaintext in the same round -> 0.75x; mTLS has no unary figure (h2load).
    expect(section).toContain('| GetFeature (route-guide) calls/s | 16 (1x16) | 10,000 ±0% | 7,500 ±7% | 0.75x | n/a (h2load) | - |');
    // µs/call: 90 vs 112.5 and 128.6 -> ratios 1.25 and 1.43 (1.34x), Δ +22.5 and +38.6 (+30.5).
    expect(section).toMatch(/\| GetFeature \(route-guide\) µs\/call \| 16 \(1x16\) \| 90\.0 ±0% \| 121 ±7% \| 1\.34x, Δ \+30\.5 \| n\/a \(h2load\) \|/);
    // Streaming: 9.0 µs/message plaintext, 11.3 TLS, 18.0 mTLS.
    expect(section).toContain('| ListFeatures (route-guide) messages/s | 4 streams | 100,000 | 80,000 | 0.80x | 50,000 | 0.50x |');
    expect(section).toMatch(/\| ListFeatures \(route-guide\) µs\/message \| 4 streams \| 9\.0 \| 11\.3 \| 1\.25x, Δ \+2\.3 \| 18\.0 \| 2\.00x, Δ \+9\.0 \|/);
    // prod-service ran no TLS variant here: its plaintext row still shows, the TLS cells are empty.
    expect(section).toContain('| GetProdStock (prod-service) calls/s | 16 (1x16) | 17,000 ±12% | - | - | n/a (h2load) | - |');
    const report = renderReport(withTls);
    expect(report).toContain('## What TLS costs');
    expect(report).not.toContain('## One setting at a time');
    const byWhat = Object.fromEntries(ratioLines(withTls).map((line) => [line.what, line.ratio]));
    expect(byWhat['route-guide [tls] / route-guide, calls/s, GetFeature, 16 (1x16) in flight']).toBeCloseTo(0.75);
    expect(byWhat['route-guide [mtls] / route-guide, ListFeatures server CPU per message']).toBeCloseTo(2);
  });

  it('renders the tables, the verdicts, the checks and the problems', () => {
    const report = renderReport(results);
    expect(report).toContain('on 2 cores (Test CPU)');
    expect(report).toContain('node v20');
    expect(report).toContain('| 16 (1x16) | 17,000 ±12% | 20,000 ±0% | 20,000 ±10% | - | 10,000 | **0.85x (BELOW 0.95x)** | 1.00x | 1.90x (meets >= 1.7x) | - |');
    expect(report).toContain('| route-guide | 100,000 | 0.80x | 9.0 | 1.25x | 90% | 80% |');
    expect(report).toContain('| Python grpcio | 20,000 | 0.16x | - | - | - | 20% |');
    // µs per call: prod-service 4.5 s / 95,000 and / 75,000 calls -> 47.4 and 60.0, median 53.7;
    // Python's round-2 figure had a problem, so only round 1 (90.0) counts.
    expect(report).toContain('| 16 (1x16) | 53.7 ±12% | 45.0 ±0% | 45.5 ±10% | - | 90.0 | 1.19x | 1.01x | 2.00x |');
    expect(report).toContain('| GetProdStock 16 (1x16) prod-service server µs/call (CPU use) | 47.4 (90%) | 60.0 (90%) |');
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
