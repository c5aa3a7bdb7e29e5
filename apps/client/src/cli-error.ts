// How failures leave the CLI: one line on stderr and an exit code, never a stack trace. A
// failure that comes from TLS or credentials also says which flag it points to (bad CA,
// server name, client certificate, no TLS, token), since grpc-js reports most of them as
// UNAVAILABLE with a transport message.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { SecurityInUse } from './security';

/**
 * Exit codes: 0 ok, 1 the call (or health check) failed, 2 bad arguments (usage printed) or
 * unusable TLS / token files (the problem, naming the flag).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure with a message meant for the user as is. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error;
}

export function statusName(code: number): string {
  return status[code] ?? `STATUS_${code}`;
}

/** "UNAVAILABLE: No connection established..." on one line, whatever the error was. */
export function describeError(error: unknown): string {
  const text = isServiceError(error)
    ? `${statusName(error.code)}: ${error.details || 'no details'}`
    : error instanceof Error
      ? error.message
      : String(error);
  // grpc-js ends some UNAVAILABLE details with an empty "Resolution note:"; it says nothing.
  // OpenSSL's "807C...:error:0A00045C:SSL routines:ssl3_read_bytes:<reason>:<file>:<line>:"
  // comes down to its reason.
  return text
    .replace(OPENSSL_ERROR, '$1')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\s*Resolution note:\s*$/, '')
    .trim();
}

const OPENSSL_ERROR = /(?:Error: )?[0-9A-F]+:error:[0-9A-F]+:[^:]*routines:[^:]*:([^:]+):[^\s:]*:\d+:/g;

/** What a failed call points to, with the flag to look at; undefined when it is not about security. */
export function securityHint(code: number, details: string, used: SecurityInUse): string | undefined {
  if (code === status.UNAUTHENTICATED) {
    return used.token
      ? 'the server did not accept the token (--token / --token-file)'
      : 'no token was sent: pass --token or --token-file (CLIENT_TOKEN / CLIENT_TOKEN_FILE)';
  }
  if (code === status.PERMISSION_DENIED) {
    return used.token
      ? 'the token (--token / --token-file) does not allow this method'
      : 'no token was sent, and the caller alone may not call this method: pass --token or --token-file';
  }
  if (code !== status.UNAVAILABLE) return undefined;
  if (/wrong version number|packet length too long|unknown protocol|http request/i.test(details)) {
    return 'not a TLS server: it answered in plaintext; drop --tls (and --ca, --cert, --key, --server-name)';
  }
  if (/self.signed certificate|unable to verify|unable to get (local )?issuer certificate|certificate signature failure/i.test(details)) {
    return used.ca
      ? "bad CA: the server's certificate does not chain to --ca"
      : "bad CA: the server's certificate is not signed by a CA the system trusts; pass --ca";
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/i.test(details)) {
    return "server name mismatch: the server's certificate does not name this host; pass --server-name with a name it holds";
  }
  if (/certificate has expired/i.test(details)) return "expired server certificate: the server's own certificate has expired";
  if (/certificate is not yet valid/i.test(details)) return "server certificate not yet valid (check the clocks)";
  if (/alert certificate required/i.test(details)) return 'client certificate required: the server asks for mutual TLS; pass --cert and --key';
  if (/alert (unknown ca|bad certificate|certificate expired|certificate unknown|unsupported certificate|certificate revoked)/i.test(details)) {
    return 'client certificate refused: the server does not accept --cert (another CA, expired, or not for client use)';
  }
  // The server closed the connection while it was being set up: no TLS where TLS is served,
  // or (over TLS) a client certificate it rejected after the handshake.
  if (/Failed to connect|Connection dropped|ECONNRESET|socket hang up/i.test(details)) {
    if (!used.tls) return 'TLS required?: the server closed the connection unanswered; if it serves TLS, pass --tls (and --ca)';
    if (used.cert) return 'client certificate refused?: the server closed the TLS connection; is --cert signed by the CA it trusts, valid, for client use?';
  }
  return undefined;
}

/** describeError, plus the security hint when there is one: "STATUS: details (target x); hint". */
export function explainError(error: unknown, used: SecurityInUse, target?: string): string {
  const text = `${describeError(error)}${target ? ` (target ${target})` : ''}`;
  const hint = isServiceError(error) ? securityHint(error.code, describeError(error), used) : undefined;
  return hint ? `${text}; ${hint}` : text;
}
