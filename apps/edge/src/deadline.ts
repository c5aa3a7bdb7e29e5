// One deadline for everything a call does downstream: the caller's own (Connect-Timeout-Ms or
// grpc-timeout, which connect-node parses into ctx.timeoutMs()) less a margin, so the edge
// has time left to answer; a configured default when the caller sent none.
import type { HandlerContext } from '@connectrpc/connect';

export interface DeadlineSettings {
  /** Used when the caller set no deadline. */
  defaultTimeoutMs: number;
  /** Subtracted from the caller's remaining time. */
  marginMs: number;
}

/** The absolute deadline (epoch ms) for calls made on behalf of `ctx`; may already be past. */
export function outgoingDeadline(ctx: Pick<HandlerContext, 'timeoutMs'>, settings: DeadlineSettings, now = Date.now()): number {
  const remaining = ctx.timeoutMs();
  if (remaining === undefined) return now + settings.defaultTimeoutMs;
  return now + remaining - settings.marginMs;
}
