export * from './gen/services/prod';
