// Every bench target announces its port with one JSON line on stdout, the same LISTENING
// line the project services log, so one launcher waits for all of them.
import { LISTENING } from '@grpc-ts/runtime';

export function announceListening(target: string, port: number): void {
  process.stdout.write(`${JSON.stringify({ msg: LISTENING, target, pid: process.pid, port })}\n`);
}

export function listenPort(): number {
  const port = Number(process.env.PORT ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0-65535, got ${process.env.PORT}`);
  return port;
}
