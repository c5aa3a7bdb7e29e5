// grpc.health.v1.Health/Check with hand-encoded protobuf (one string field in, one enum
// out), so the pool's tests need no generated code.
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';

const STATES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function encodeRequest(service: string): Buffer {
  const name = Buffer.from(service);
  return name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

function decodeStatus(bytes: Buffer): string {
  // field 1, varint: 0x08 <status>; an absent field means UNKNOWN (0).
  return STATES[bytes.length >= 2 && bytes[0] === 0x08 ? bytes[1]! : 0] ?? 'UNKNOWN';
}

export class HealthClient extends Client {
  constructor(address: string) {
    super(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  }

  check(service: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        encodeRequest,
        decodeStatus,
        service,
        { deadline: Date.now() + 5000 },
        (error: ServiceError | null, state?: string) => (error ? reject(error) : resolve(state as string)),
      );
    });
  }
}
