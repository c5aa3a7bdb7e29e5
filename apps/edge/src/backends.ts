// The edge's clients of the backends: one grpc-js channel per backend CLUSTER, not per
// address. A dns:/// target resolves to every replica and round_robin spreads calls over
// all of them; keepalive notices a dead replica; retries and throttling come from the
// service config (service-config.ts), and an idempotent call whose replica died after its
// headers is made once more by the async client; the servers' max_connection_age makes the channel
// re-resolve, so new replicas get traffic. TLS (CA, client certificate, server name) and a
// bearer token for the backends come from env, so the same code runs plaintext locally and
// with mutual TLS + tokens in a secured stack.
import { credentials, Metadata, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { createAsyncClient, health, prod, routeguide, type AsyncClient } from '@grpc-ts/protos';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { backendServiceConfig, retriedMethods, type RetrySettings } from './service-config';

export interface BackendTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
}

export interface BackendSettings {
  routeGuideTarget: string;
  prodServiceTarget: string;
  retry: RetrySettings;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  tls?: BackendTls;
  /** A file holding the bearer token sent on every call. */
  tokenFile?: string;
}

export interface Backends {
  targets: { routeGuide: string; prodService: string };
  routeGuide: AsyncClient<typeof routeguide.RouteGuideService>;
  prod: AsyncClient<typeof prod.ProdServiceService>;
  /** grpc.health.v1 over the same channels as the calls (the readiness probe). */
  health: { name: string; service: string; client: AsyncClient<typeof health.HealthService> }[];
  /** Metadata for one outgoing call (the service token, when configured). */
  metadata(): Metadata;
  close(): void;
}

function channelCredentials(tls: BackendTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null);
}

export function channelOptions(serviceName: string, settings: BackendSettings): ChannelOptions {
  return {
    'grpc.service_config': JSON.stringify(backendServiceConfig(serviceName, settings.retry)),
    'grpc.enable_retries': 1,
    'grpc.keepalive_time_ms': settings.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': settings.keepaliveTimeoutMs,
    // Pings only while calls run: a grpc-js server does not accept idle pings by default.
    'grpc.keepalive_permit_without_calls': 0,
    // Re-resolve soon after a replica goes away (the default waits 30 s between resolutions).
    'grpc.dns_min_time_between_resolutions_ms': 1_000,
    ...(settings.tls?.serverName
      ? { 'grpc.ssl_target_name_override': settings.tls.serverName, 'grpc.default_authority': settings.tls.serverName }
      : {}),
  };
}

export function connectBackends(settings: BackendSettings): Backends {
  const creds = channelCredentials(settings.tls);
  const client = <D extends Parameters<typeof createAsyncClient>[0]>(definition: D, target: string, serviceName: string) =>
    createAsyncClient(definition, target, {
      credentials: creds,
      channelOptions: channelOptions(serviceName, settings),
      // A replica killed between its headers and its status: past what the retry policy covers.
      idempotent: retriedMethods(serviceName, settings.retry),
    });
  const routeGuide = client(routeguide.RouteGuideService, settings.routeGuideTarget, 'routeguide.RouteGuide');
  const prodClient = client(prod.ProdServiceService, settings.prodServiceTarget, 'services.ProdService');
  // The probe shares each backend's channel (grpc-js shares subchannels between clients of
  // one target and options), so "reachable" means reachable by the calls too.
  const probes = [
    { name: 'route-guide', service: 'routeguide.RouteGuide', target: settings.routeGuideTarget },
    { name: 'prod-service', service: 'services.ProdService', target: settings.prodServiceTarget },
  ].map(({ name, service, target }) => ({ name, service, client: client(health.HealthService, target, service) }));

  let token = settings.tokenFile ? readToken(settings.tokenFile) : undefined;
  const reread = () => {
    try {
      token = readToken(settings.tokenFile!);
    } catch {
      // A rotation half written: keep the previous token until the file reads again.
    }
  };
  if (settings.tokenFile) watchFile(settings.tokenFile, { interval: 2_000, persistent: false }, reread);
  return {
    targets: { routeGuide: settings.routeGuideTarget, prodService: settings.prodServiceTarget },
    routeGuide,
    prod: prodClient,
    health: probes,
    metadata: () => {
      const metadata = new Metadata();
      if (token) metadata.set('authorization', `Bearer ${token}`);
      return metadata;
    },
    close: () => {
      if (settings.tokenFile) unwatchFile(settings.tokenFile, reread);
      routeGuide.$close();
      prodClient.$close();
      for (const probe of probes) probe.client.$close();
    },
  };
}

function readToken(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (!token) throw new Error(`${file} holds no token`);
  return token;
}
