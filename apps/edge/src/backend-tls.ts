// The edge's TLS toward the backends, from EDGE_BACKEND_TLS_*: checked at start like every
// other setting, each problem naming its variable.
import { readFileSync } from 'node:fs';
import type { BackendTls } from './backends';

export interface BackendTlsConfig {
  EDGE_BACKEND_TLS: boolean;
  EDGE_BACKEND_TLS_CA_FILE: string;
  EDGE_BACKEND_TLS_CERT_FILE: string;
  EDGE_BACKEND_TLS_KEY_FILE: string;
  EDGE_BACKEND_TLS_SERVER_NAME: string;
}

export function backendTls(config: BackendTlsConfig): { tls?: BackendTls; problems: string[] } {
  const problems: string[] = [];
  const { EDGE_BACKEND_TLS: on, EDGE_BACKEND_TLS_CA_FILE: ca, EDGE_BACKEND_TLS_CERT_FILE: cert, EDGE_BACKEND_TLS_KEY_FILE: key } = config;
  if (!on) {
    if (ca || cert || key) problems.push('EDGE_BACKEND_TLS_CA_FILE/CERT_FILE/KEY_FILE are set but EDGE_BACKEND_TLS is not true');
    return { problems };
  }
  if (!ca) problems.push('EDGE_BACKEND_TLS_CA_FILE is required with EDGE_BACKEND_TLS=true (the CA the backends\' certificates chain to)');
  if (Boolean(cert) !== Boolean(key)) problems.push('EDGE_BACKEND_TLS_CERT_FILE and EDGE_BACKEND_TLS_KEY_FILE go together (the edge\'s client certificate)');
  if (problems.length > 0) return { problems };
  return {
    tls: {
      ca: readFileSync(ca),
      ...(cert ? { cert: readFileSync(cert), key: readFileSync(key) } : {}),
      ...(config.EDGE_BACKEND_TLS_SERVER_NAME ? { serverName: config.EDGE_BACKEND_TLS_SERVER_NAME } : {}),
    },
    problems,
  };
}
