export * from './call-guard';
export * from './cluster';
export * from './connection-listener';
export * from './errors';
export * from './executor';
export * from './limiter';
export * from './metrics';
export * from './metrics-server';
