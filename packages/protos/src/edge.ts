export * from './gen/edge/v1/edge';
