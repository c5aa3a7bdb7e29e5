import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogue, parseCatalogue } from '../src/catalogue';

describe('catalogue', () => {
  it('loads the bundled data by id', () => {
    const catalogue = loadCatalogue();
    expect(catalogue.size).toBeGreaterThanOrEqual(20);
    expect(catalogue.get(1)).toMatchObject({ id: 1, name: expect.any(String) });
  });

  it('loads a file given by path', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stock-')), 'stock.json');
    writeFileSync(path, JSON.stringify({ products: [{ id: 7, name: 'x', stock: 3 }] }));
    expect([...loadCatalogue(path).values()]).toEqual([{ id: 7, name: 'x', stock: 3 }]);
  });

  it.each([
    [{}, 'expected an object with a "products" array'],
    [{ products: [{ id: 0, name: 'a', stock: 1 }] }, 'products[0]: id must be an integer'],
    [{ products: [{ id: 1, name: '', stock: 1 }] }, 'products[0]: name must be a non-empty string'],
    [{ products: [{ id: 1, name: 'a', stock: -1 }] }, 'products[0]: stock must be an integer'],
    [{ products: [{ id: 1, name: 'a', stock: 1 }, { id: 1, name: 'b', stock: 2 }] }, 'products[1]: duplicate id 1'],
  ])('rejects bad data %j', (raw, message) => {
    expect(() => parseCatalogue(raw, 'test.json')).toThrow(message);
  });

  it('names the file it cannot parse', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stock-')), 'broken.json');
    writeFileSync(path, '{ not json');
    expect(() => loadCatalogue(path)).toThrow(`cannot read catalogue ${path}`);
  });
});
