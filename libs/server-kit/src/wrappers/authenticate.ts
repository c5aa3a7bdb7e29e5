// Authentication and per-method authorization: one wrapper, before the limit takes a slot,
// so a caller that may not call costs no slot and no handler. The decision (who the caller
// is, what the method's policy says) is runtime's admit(), shared with the edge's Connect
// server; this only reads it off a grpc-js call: UNAUTHENTICATED when there are no (valid)
// credentials, PERMISSION_DENIED when they do not allow this method.
import { status } from '@grpc/grpc-js';
import { admit, identitiesOf, type Admission, type CallerAuth, type MethodPolicy, type ServerMetrics } from '@grpc-ts/runtime';
import type { CallWrapper } from '../chain';
import { RpcError } from '../errors';
import type { ServerCall } from '../server-call';

export type { CallerAuth };

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
      const settle = (call: ServerCall, admission: Admission) => {
        if (call.ended) return;
        if ('caller' in admission) {
          call.caller = admission.caller;
          next(call);
          return;
        }
        metrics?.authRejectedTotal.inc({ grpc_method: method.path, reason: admission.reason });
        const code = admission.status === 'unauthenticated' ? status.UNAUTHENTICATED : status.PERMISSION_DENIED;
        call.fail(new RpcError(code, admission.message));
      };
      return (call) => {
        if (call.ended) return;
        const identities = auth.certificates ? peerIdentities(call) : [];
        const authorization = call.metadata.get('authorization')[0];
        const admission = admit(auth, required, authorization === undefined ? undefined : String(authorization), identities);
        if (admission instanceof Promise) admission.then((result) => settle(call, result), (error: unknown) => call.fail(error));
        else settle(call, admission);
      };
    },
  };
}
