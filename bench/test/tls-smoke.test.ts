// A --quick smoke of the TLS path, through the suite's own code: route-guide bundled and started
// as `--variants tls,mtls` starts it (certificates made by the bench, PLAINTEXT=false, AUTH=off),
// checked by a real client over TLS and mTLS and checked to refuse plaintext (and, for mTLS, a
// client without a certificate), then loaded for 1 s by h2load over https (TLS, ALPN h2, answers
// checked by size) and by the streaming client over TLS and mTLS. Speed is never asserted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureStream, measureUnary } from '../src/measure';
import { grpcFrame, loadPayloads } from '../src/payloads';
import { SERVER_CPU, hasCommand } from '../src/pinning';
import { BUNDLE_ENTRIES, bundle, startTarget, targetSpec, type RunningTarget } from '../src/servers';
import { createBenchTls, type BenchTls } from '../src/tls';
import { verifyTarget, verifyTransport } from '../src/verify';

const h2loadMissing = !hasCommand('h2load');
if (h2loadMissing) console.warn('SKIPPED bench TLS smoke: h2load is not installed (apt-get install nghttp2-client)');

(h2loadMissing ? describe.skip : describe)('bench smoke: route-guide over TLS and mTLS, 1 s', () => {
  const payloads = loadPayloads();
  const quick = { durationMs: 1000, warmupMs: 0, streamConcurrency: 4 };
  let work: string;
  let tls: BenchTls;
  let bundles: ReturnType<typeof bundle>;
  let overTls: RunningTarget;
  let overMtls: RunningTarget;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'bench-tls-smoke-'));
    tls = await createBenchTls();
    bundles = bundle({ 'route-guide': BUNDLE_ENTRIES['route-guide'], 'stream-client': BUNDLE_ENTRIES['stream-client'] });
    expect(bundles.failures).toEqual({});
    overTls = await startTarget(targetSpec('route-guide:tls', bundles.files, payloads, 10, tls), SERVER_CPU);
    overMtls = await startTarget(targetSpec('route-guide:mtls', bundles.files, payloads, 10, tls), SERVER_CPU);
  }, 60_000);

  afterAll(async () => {
    await overTls?.stop();
    await overMtls?.stop();
    tls?.remove();
    if (bundles) rmSync(bundles.dir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves the transport it is named after, and answers a real client over it', async () => {
    const transport = (target: RunningTarget) => (target.logs.find((entry) => entry.msg === 'listening')?.limits as { transport?: string })?.transport;
    expect(transport(overTls)).toBe('tls');
    expect(transport(overMtls)).toBe('mtls');
    await expect(verifyTarget('route-guide:tls', overTls.endpoint, payloads)).resolves.toBeUndefined();
    await expect(verifyTarget('route-guide:mtls', overMtls.endpoint, payloads)).resolves.toBeUndefined();
  });

  it('refuses a plaintext client, and for mTLS a client without a certificate', async () => {
    await expect(verifyTransport('route-guide:tls', overTls.endpoint, payloads)).resolves.toEqual({ check: expect.stringMatching(/refused a plaintext client/) });
    await expect(verifyTransport('route-guide:mtls', overMtls.endpoint, payloads)).resolves.toEqual({
      check: expect.stringMatching(/and a TLS client without a client certificate/),
    });
    // The same checks fail when the client side is wrong: mTLS answered with no certificate presented would be a problem.
    const withoutCertificate = { address: overMtls.endpoint.address, tls: { ca: tls.ca } };
    await expect(verifyTarget('route-guide:mtls', withoutCertificate, payloads)).resolves.toEqual(expect.any(String));
  });

  it('loads GetFeature over https with h2load: TLS, ALPN h2, every answer the expected frame', async () => {
    const bodyFile = join(work, 'feature.grpc');
    writeFileSync(bodyFile, grpcFrame(payloads.unary.GetFeature.request));
    const shape = { connections: 1, streams: 16 };
    const measured = await measureUnary(1, 'route-guide:tls', overTls.endpoint, 'GetFeature', shape, bodyFile, payloads, quick, overTls.serverPids());
    if ('error' in measured) throw new Error(measured.error);
    expect(measured.problems).toEqual([]);
    expect(measured.h2load).toMatchObject({ applicationProtocol: 'h2', tls: { protocol: expect.stringMatching(/^TLSv1\.[23]$/) }, failed: 0, errored: 0 });
    expect(measured.callsPerSec).toBeGreaterThan(0);
    expect(measured.serverCpu!.microsPerUnit).toBeGreaterThan(0);
  });

  it('streams ListFeatures over TLS and over mTLS with the streaming client', async () => {
    for (const [id, target] of [['route-guide:tls', overTls], ['route-guide:mtls', overMtls]] as const) {
      const measured = await measureStream(1, id, target.endpoint, bundles.files['stream-client']!, payloads, quick, target.serverPids());
      if ('error' in measured) throw new Error(`${id}: ${measured.error}`);
      expect(measured).toMatchObject({ errors: 0, problems: [] });
      expect(measured.messagesPerSec).toBeGreaterThan(0);
      expect(measured.serverCpu!.microsPerUnit).toBeGreaterThan(0);
    }
  });
});
