// The generated code speaks the notes' and the official RouteGuide's wire format, and the
// embedded descriptor set (used by reflection) describes exactly those contracts.
import { prod, protosPackageDefinition, routeguide } from '../src';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('wire format', () => {
  it('encodes ProdRequest{prod_id=7} as field 1 varint, as any protoc output would', () => {
    expect(hex(prod.ProdRequest.encode({ prodId: 7 }).finish())).toBe('0807');
    expect(prod.ProdResponse.decode(Buffer.from('082a', 'hex'))).toEqual({ proStock: 42 });
  });

  it('encodes negative int32 as a 10-byte varint (proto3 int32 semantics)', () => {
    expect(hex(prod.ProdRequest.encode({ prodId: -1 }).finish())).toBe('08ffffffffffffffffff01');
  });

  it('encodes a RouteGuide Feature with nested Point', () => {
    const bytes = routeguide.Feature.encode({ name: 'A', location: { latitude: 1, longitude: 2 } }).finish();
    expect(hex(bytes)).toBe('0a01411204080110' + '02');
    expect(routeguide.Feature.decode(bytes)).toEqual({ name: 'A', location: { latitude: 1, longitude: 2 } });
  });

  it('uses the wire method paths the outside clients call', () => {
    expect(prod.ProdServiceService.getProdStock.path).toBe('/services.ProdService/GetProdStock');
    expect(Object.values(routeguide.RouteGuideService).map((m) => [m.path, m.requestStream, m.responseStream])).toEqual([
      ['/routeguide.RouteGuide/GetFeature', false, false],
      ['/routeguide.RouteGuide/ListFeatures', false, true],
      ['/routeguide.RouteGuide/RecordRoute', true, false],
      ['/routeguide.RouteGuide/RouteChat', true, true],
    ]);
  });
});

describe('embedded descriptor set', () => {
  it('describes both services and their messages', () => {
    const definition = protosPackageDefinition();
    expect(Object.keys(definition)).toEqual(
      expect.arrayContaining([
        'services.ProdService',
        'services.ProdRequest',
        'routeguide.RouteGuide',
        'routeguide.RouteSummary',
      ]),
    );
    const getProdStock = (definition['services.ProdService'] as Record<string, { path: string }>).GetProdStock;
    expect(getProdStock?.path).toBe('/services.ProdService/GetProdStock');
  });
});
