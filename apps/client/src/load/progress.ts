// A progress bar for interactive load runs. It is refreshed from a timer (not per call) and
// only drawn on a terminal: piped output and --json stay clean for scripts.
import { SingleBar } from 'cli-progress';
import type { LoadProgress } from './driver';

export interface ProgressView {
  stop(): void;
}

const REFRESH_MS = 200;

export function showProgress(
  read: () => LoadProgress,
  goal: { count?: number; durationMs?: number },
  stream: NodeJS.WriteStream = process.stdout,
): ProgressView {
  if (!stream.isTTY) return { stop: () => undefined };
  // Count runs progress in calls, duration runs in tenths of a second.
  const byCount = goal.count !== undefined;
  const total = byCount ? goal.count! : Math.round((goal.durationMs ?? 0) / 100);
  const bar = new SingleBar({
    stream,
    format: ' {bar} {percentage}% | {calls} calls | {qps} calls/s | {seconds}s',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
  });
  const payload = (progress: LoadProgress) => ({
    calls: progress.completed,
    qps: progress.elapsedMs > 0 ? Math.round((progress.completed * 1000) / progress.elapsedMs) : 0,
    seconds: (progress.elapsedMs / 1000).toFixed(1),
  });
  const valueOf = (progress: LoadProgress) => Math.min(total, byCount ? progress.completed : Math.floor(progress.elapsedMs / 100));
  bar.start(total, 0, payload(read()));
  const timer = setInterval(() => {
    const progress = read();
    bar.update(valueOf(progress), payload(progress));
  }, REFRESH_MS);
  return {
    stop: () => {
      clearInterval(timer);
      bar.stop();
    },
  };
}
