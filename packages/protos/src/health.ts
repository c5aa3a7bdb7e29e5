export * from './gen/health/v1/health';
