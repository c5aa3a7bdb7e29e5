// What the figures were measured on, for the report header.
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { PYTHON } from './servers';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  kernel: string;
  node: string;
  grpcJs: string;
  h2load: string;
  pythonGrpc: string;
  /** 1-minute load average when the run started: well above 0 means other work shared the cores. */
  loadAverage: number;
}

function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) return 'missing';
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? 'unknown';
}

export function describeMachine(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    kernel: `Linux ${release()}`,
    node: process.version,
    grpcJs: (require('@grpc/grpc-js/package.json') as { version: string }).version,
    h2load: firstLine('h2load', ['--version']),
    pythonGrpc: firstLine(PYTHON, ['-c', 'import grpc; print("grpcio " + grpc.__version__)']),
    loadAverage: loadavg()[0] ?? 0,
  };
}
