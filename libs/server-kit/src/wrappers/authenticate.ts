// Authentication and per-method authorization: one wrapper, before the limit takes a slot,
// so a caller that may not call costs no slot and no handler. Who the caller is comes from
// a bearer token (verified, cached until it expires) and, under mutual TLS, the client
// certificate's SANs; the method's declared policy decides. UNAUTHENTICATED when there are
// no (valid) credentials, PERMISSION_DENIED when they do not allow this method; messages say
// what is missing and never echo a token.
import { status } from '@grpc/grpc-js';
import { deny, identitiesOf, ANONYMOUS, TokenError, type Caller, type MethodPolicy, type ServerMetrics, type TokenVerifier } from '@grpc-ts/runtime';
import type { CallWrapper } from '../chain';
import { RpcError } from '../errors';
import type { ServerCall } from '../server-call';

export interface CallerAuth {
  /** Verifies bearer tokens; undefined = this server takes no tokens. */
  tokens?: TokenVerifier;
  /** Client certificates (mutual TLS) identify callers. */
  certificates: boolean;
}

/** The SANs of the call's client certificate, when the transport verified one. */
function peerIdentities(call: ServerCall): string[] {
  const context = (call.raw as { getAuthContext?: () => { sslPeerCertificate?: { subjectaltname?: string } } }).getAuthContext?.();
  return identitiesOf(context?.sslPeerCertificate?.subjectaltname);
}

export function authenticate(
  auth: CallerAuth | undefined,
  policyOf: (path: string) => MethodPolicy,
  metrics: ServerMetrics | undefined,
): CallWrapper {
  return {
    name: 'auth',
    wrap(method, next) {
      const required = policyOf(method.path);
      // AUTH=off, or a public method: nothing to check, nothing to pay.
      if (!auth || required.kind === 'public') return undefined;
      const reject = (call: ServerCall, code: status, reason: string, message: string) => {
        metrics?.authRejectedTotal.inc({ grpc_method: method.path, reason });
        call.fail(new RpcError(code, message));
      };
      const admit = (call: ServerCall, caller: Caller) => {
        if (call.ended) return;
        const denial = deny(required, caller);
        if (denial) {
          const code = denial.status === 'unauthenticated' ? status.UNAUTHENTICATED : status.PERMISSION_DENIED;
          reject(call, code, denial.reason, denial.message);
          return;
        }
        call.caller = caller;
        next(call);
      };
      return (call) => {
        if (call.ended) return;
        const identities = auth.certificates ? peerIdentities(call) : [];
        const authorization = call.metadata.get('authorization')[0];
        if (authorization === undefined) {
          admit(call, identities.length > 0 ? { kind: 'service', subject: identities[0]!, identities } : ANONYMOUS);
          return;
        }
        if (!auth.tokens) {
          reject(call, status.UNAUTHENTICATED, 'tokens_not_accepted', 'this server does not accept bearer tokens; authenticate with a client certificate');
          return;
        }
        auth.tokens.verify(String(authorization), identities).then(
          (caller) => admit(call, caller),
          (error: unknown) => {
            if (error instanceof TokenError) reject(call, status.UNAUTHENTICATED, error.reason, error.message);
            else call.fail(error);
          },
        );
      };
    },
  };
}
