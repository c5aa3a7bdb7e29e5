export * from './gen/routeguide/route_guide';
