// The figures and checks of one run, as the suite collects them and the report reads them.
import type { H2loadResult, LoadShape } from './h2load';
import type { MachineInfo } from './machine';
import type { BenchOptions } from './options';
import type { UnaryRpc } from './payloads';
import type { EdgeMeasurement } from './edge-bench';
import type { ServerCpu } from './server-cpu';
import type { TargetId } from './servers';

export interface UnaryMeasurement {
  round: number;
  target: TargetId;
  rpc: UnaryRpc;
  shape: LoadShape;
  callsPerSec: number;
  h2load: H2loadResult;
  /** The server's CPU over the measured run (microsPerUnit = µs per call); absent when not read. */
  serverCpu?: ServerCpu;
  /** Why this figure is not to be trusted; [] when it is. */
  problems: string[];
}

export interface StreamMeasurement {
  round: number;
  target: TargetId;
  messagesPerSec: number;
  calls: number;
  errors: number;
  /** The streaming client's CPU use (1 = its whole core: then the client, not the server, is the limit). */
  clientCpu: number;
  /** The server's CPU over the client's measured window (microsPerUnit = µs per message). */
  serverCpu?: ServerCpu;
  problems: string[];
}

export interface TargetNote {
  id: TargetId;
  address: string;
  /** How it ran, e.g. the project services' limits and metrics port from their start-up logs. */
  detail: string;
  /** Where its CPU is read: the pids of its 'listening' lines. */
  serverPids: number[];
  spawnedPid: number;
}

export interface SuiteResults {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  options: BenchOptions;
  pinned: boolean;
  /** USER_HZ: the unit of the server CPU counters (a tick is the resolution). */
  cpuTicksPerSecond?: number;
  targets: TargetNote[];
  unary: UnaryMeasurement[];
  stream: StreamMeasurement[];
  /** Through the edge, beside the same kind of call made directly (edge-bench.ts). */
  edge: EdgeMeasurement[];
  /** What was verified and held. */
  checks: string[];
  /** Anything that went wrong: a figure with a problem is left out of the medians. */
  problems: string[];
  /** What was left out, and why. */
  skipped: string[];
}
