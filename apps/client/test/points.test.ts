import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNote } from '../src/notes';
import { parsePoint, randomPoints, readRouteFile, SAMPLE_AREA } from '../src/points';

describe('points', () => {
  it('parses "lat,lng" in E7 and rejects what the wire or the globe cannot take', () => {
    expect(parsePoint('409146138,-746188906')).toEqual({ latitude: 409146138, longitude: -746188906 });
    expect(parsePoint('-900000000,1800000000')).toEqual({ latitude: -900000000, longitude: 1800000000 });
    for (const bad of ['1', '1,2,3', '40.9,-74.6', 'a,b', '900000001,0', '0,-1800000001', ',1']) {
      expect(() => parsePoint(bad)).toThrow();
    }
  });

  it('reads route files: features JSON, points JSON, and "lat,lng" lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'points-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    expect(readRouteFile(write('f.json', '[{"name":"x","location":{"latitude":1,"longitude":2}},{"location":{"longitude":3}}]'))).toEqual([
      { latitude: 1, longitude: 2 },
      { latitude: 0, longitude: 3 },
    ]);
    expect(readRouteFile(write('p.json', '[{"latitude":5,"longitude":6}]'))).toEqual([{ latitude: 5, longitude: 6 }]);
    expect(readRouteFile(write('l.txt', '# header\n1,2\n\n3,4 # trailing\n'))).toEqual([
      { latitude: 1, longitude: 2 },
      { latitude: 3, longitude: 4 },
    ]);
    expect(() => readRouteFile(write('bad.txt', '1,2\nnope\n'))).toThrow(/bad.txt:2/);
    expect(() => readRouteFile(write('bad.json', '[{"latitude":1e12}]'))).toThrow(/bad.json\[0\]/);
    expect(() => readRouteFile(join(dir, 'missing'))).toThrow(/ENOENT/);
  });

  it('makes random routes inside the sample area', () => {
    const points = randomPoints(200);
    expect(points).toHaveLength(200);
    for (const { latitude, longitude } of points) {
      expect(latitude).toBeGreaterThanOrEqual(SAMPLE_AREA.latMin);
      expect(latitude).toBeLessThanOrEqual(SAMPLE_AREA.latMax);
      expect(longitude).toBeGreaterThanOrEqual(SAMPLE_AREA.lngMin);
      expect(longitude).toBeLessThanOrEqual(SAMPLE_AREA.lngMax);
    }
  });

  it('parses chat notes: a point, then the message', () => {
    expect(parseNote('1,2 hello there')).toEqual({ location: { latitude: 1, longitude: 2 }, message: 'hello there' });
    expect(parseNote('  1,2  ')).toEqual({ location: { latitude: 1, longitude: 2 }, message: '' });
    expect(() => parseNote('hello 1,2')).toThrow();
  });
});
