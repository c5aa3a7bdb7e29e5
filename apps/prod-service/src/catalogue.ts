// The stock catalogue: loaded once, validated, indexed by product id.
import { readFileSync } from 'node:fs';
import bundledStock from '../data/stock.json';

export interface Product {
  id: number;
  name: string;
  stock: number;
}

export type Catalogue = ReadonlyMap<number, Product>;

const INT32_MAX = 2 ** 31 - 1;

/** Validates raw catalogue JSON ({ products: [...] }); throws naming the bad entry. */
export function parseCatalogue(raw: unknown, source: string): Catalogue {
  const products = (raw as { products?: unknown })?.products;
  if (!Array.isArray(products)) throw new Error(`${source}: expected an object with a "products" array`);
  const catalogue = new Map<number, Product>();
  products.forEach((entry: Partial<Product>, index) => {
    const where = `${source}: products[${index}]`;
    if (!Number.isInteger(entry?.id) || entry.id! <= 0 || entry.id! > INT32_MAX) {
      throw new Error(`${where}: id must be an integer from 1 to ${INT32_MAX}`);
    }
    if (typeof entry.name !== 'string' || entry.name.length === 0) throw new Error(`${where}: name must be a non-empty string`);
    if (!Number.isInteger(entry.stock) || entry.stock! < 0 || entry.stock! > INT32_MAX) {
      throw new Error(`${where}: stock must be an integer from 0 to ${INT32_MAX}`);
    }
    if (catalogue.has(entry.id!)) throw new Error(`${where}: duplicate id ${entry.id}`);
    catalogue.set(entry.id!, { id: entry.id!, name: entry.name, stock: entry.stock! });
  });
  return catalogue;
}

/** The catalogue shipped with the app (bundled into the build), or a JSON file when a path is given. */
export function loadCatalogue(path?: string): Catalogue {
  if (!path) return parseCatalogue(bundledStock, 'bundled data/stock.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read catalogue ${path}: ${(error as Error).message}`);
  }
  return parseCatalogue(raw, path);
}
