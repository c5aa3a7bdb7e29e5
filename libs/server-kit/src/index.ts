export * from './config';
export * from './errors';
export * from './handlers';
export * from './logger';
export * from './main';
export * from './service-server';
