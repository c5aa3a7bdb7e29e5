// Log messages other processes wait for (tests, the benchmark, launchers): one spelling, here.

/** Logged once the service accepts calls; its entry carries `port`. */
export const LISTENING = 'listening';
/** Logged once /metrics is served; its entry carries `port`. */
export const METRICS_LISTENING = 'metrics listening';
