import { baseServiceEnv, envOptionalFile } from '@grpc-ts/server-kit';

export const prodServiceEnv = {
  ...baseServiceEnv({ port: 50051 }),
  /** Optional path to a catalogue JSON file; the bundled data/stock.json when unset. */
  DATA: envOptionalFile(),
};
