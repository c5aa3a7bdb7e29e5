// Every name the generator derives from the one the user types, so proto, TypeScript, Nx,
// npm, Docker and env names stay consistent with each other.
import { names } from '@nx/devkit';

/** Lower-case kebab case: letters and digits, words joined by single hyphens, a letter first. */
const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

// The proto module becomes a namespace export of @grpc-ts/protos (`import { inventory }`),
// so it must be usable as an identifier.
const RESERVED_WORDS = new Set(
  (
    'await break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if implements import in instanceof interface let new null package private protected public return ' +
    'static super switch this throw true try typeof var void while with yield arguments eval undefined'
  ).split(' '),
);

export interface ServiceNames {
  /** As typed: `inventory`, `stock-level`. */
  name: string;
  /** Nx project, app folder and compose service: `inventory-service`. */
  projectName: string;
  /** npm workspace package: `@grpc-ts/inventory-service`. */
  packageName: string;
  /** `Inventory`, `StockLevel`. */
  className: string;
  /** Namespace exported by @grpc-ts/protos: `inventory`, `stockLevel`. */
  propertyName: string;
  /** Proto directory and file base name: `inventory`, `stock_level`. */
  snakeName: string;
  /** Env var prefix in compose: `INVENTORY_SERVICE`. */
  envPrefix: string;
  /** Proto package: `inventory.v1`. */
  protoPackage: string;
  /** Proto file relative to the buf module root: `inventory/v1/inventory.proto`. */
  protoFile: string;
  /** Proto service: `InventoryService`. */
  protoService: string;
  /** Fully qualified service, as health checks and reflection name it: `inventory.v1.InventoryService`. */
  fullServiceName: string;
  /** The one unary RPC: `GetInventoryItem`, and its ts-proto method name `getInventoryItem`. */
  rpcName: string;
  rpcMethod: string;
  /** The message the RPC returns: `InventoryItem`. */
  itemMessage: string;
}

export class ServiceNameError extends Error {
  override name = 'ServiceNameError';
}

/** Throws a ServiceNameError that says what is wrong and what would be accepted. */
export function validateServiceName(raw: unknown): string {
  const example = 'e.g. inventory or stock-level';
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ServiceNameError(`A service name is required (lower-case kebab case, ${example}).`);
  }
  if (!KEBAB_CASE.test(raw)) {
    throw new ServiceNameError(
      `Invalid service name "${raw}": use lower-case kebab case — lower-case letters and digits, ` +
        `words separated by single hyphens, starting with a letter (${example}).`,
    );
  }
  if (raw === 'service' || raw.endsWith('-service')) {
    const suggestion = raw === 'service' ? '' : ` (did you mean "${raw.slice(0, -'-service'.length)}"?)`;
    throw new ServiceNameError(
      `Invalid service name "${raw}": give it without the "-service" suffix, the generator adds it${suggestion}.`,
    );
  }
  const propertyName = names(raw).propertyName;
  if (RESERVED_WORDS.has(propertyName)) {
    throw new ServiceNameError(
      `Invalid service name "${raw}": "${propertyName}" would be the namespace exported by @grpc-ts/protos, ` +
        `and it is a reserved word in JavaScript.`,
    );
  }
  return raw;
}

export function deriveServiceNames(name: string): ServiceNames {
  const { className, propertyName } = names(name);
  const snakeName = name.replace(/-/g, '_');
  const protoPackage = `${snakeName}.v1`;
  const protoService = `${className}Service`;
  const rpcName = `Get${className}Item`;
  return {
    name,
    projectName: `${name}-service`,
    packageName: `@grpc-ts/${name}-service`,
    className,
    propertyName,
    snakeName,
    envPrefix: `${snakeName.toUpperCase()}_SERVICE`,
    protoPackage,
    protoFile: `${snakeName}/v1/${snakeName}.proto`,
    protoService,
    fullServiceName: `${protoPackage}.${protoService}`,
    rpcName,
    rpcMethod: `get${className}Item`,
    itemMessage: `${className}Item`,
  };
}
