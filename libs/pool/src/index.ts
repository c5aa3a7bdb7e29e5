export * from './errors';
export * from './executor';
