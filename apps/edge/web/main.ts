// The edge's page: typed Connect calls from the browser (connect-web, the same generated
// contract the server uses). Plan a trip (each part shows its own error), explore an area
// (each streamed feature is drawn as it arrives). Bundled by tools/scripts/bundle-web.mjs.
import { ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { EdgeService, type PartError, type Point } from '@grpc-ts/protos/edge-connect';

const client = createClient(EdgeService, createConnectTransport({ baseUrl: location.origin }));
const byId = <T extends HTMLElement | SVGElement>(id: string) => document.getElementById(id) as unknown as T;

function parsePoint(text: string): Point {
  const [latitude, longitude] = text.split(',').map((part) => Number(part.trim()));
  if (!Number.isInteger(latitude) || !Number.isInteger(longitude)) throw new Error(`not a "lat,lng" point: ${text}`);
  return { latitude, longitude } as Point;
}

const errorText = (error: PartError) => `${error.code}: ${error.message}`;
const show = (point: Point) => `${point.latitude},${point.longitude}`;

function cell(row: HTMLTableRowElement, text: string, failed = false): void {
  const td = row.insertCell();
  td.textContent = text;
  if (failed) td.className = 'part-error';
}

byId<HTMLFormElement>('plan-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void planTrip();
});

async function planTrip(): Promise<void> {
  const failure = byId<HTMLDivElement>('plan-error');
  const route = byId<HTMLDivElement>('route');
  const waypointRows = byId<HTMLTableElement>('waypoint-table').tBodies[0]!;
  const supplyRows = byId<HTMLTableElement>('supply-table').tBodies[0]!;
  failure.textContent = '';
  route.textContent = 'planning...';
  route.className = '';
  waypointRows.replaceChildren();
  supplyRows.replaceChildren();
  try {
    const waypoints = byId<HTMLTextAreaElement>('waypoints').value.split('\n').filter((line) => line.trim()).map(parsePoint);
    const productIds = byId<HTMLInputElement>('products').value.split(',').filter((id) => id.trim()).map(Number);
    const trip = await client.planTrip({ waypoints, productIds }, { timeoutMs: 5_000 });
    if (trip.route?.error) {
      route.textContent = `route: ${errorText(trip.route.error)}`;
      route.className = 'part-error';
    } else {
      route.textContent = `route: ${trip.route?.pointCount ?? 0} points, ${trip.route?.distanceMeters ?? 0} m, ${trip.route?.featureCount ?? 0} on named features`;
    }
    for (const part of trip.waypoints) {
      const row = waypointRows.insertRow();
      cell(row, show(part.location!));
      cell(row, part.error ? errorText(part.error) : part.featureName || '(nothing named here)', Boolean(part.error));
    }
    for (const part of trip.supplies) {
      const row = supplyRows.insertRow();
      cell(row, String(part.productId));
      cell(row, part.error ? errorText(part.error) : String(part.stock), Boolean(part.error));
    }
    document.body.dataset.planned = 'true';
  } catch (error) {
    route.textContent = '';
    failure.textContent = `PlanTrip failed: ${ConnectError.from(error).message}`;
  }
}

let exploring: AbortController | undefined;

byId<HTMLFormElement>('explore-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void exploreArea();
});
byId<HTMLButtonElement>('stop').addEventListener('click', () => exploring?.abort());

async function exploreArea(): Promise<void> {
  exploring?.abort();
  const controller = (exploring = new AbortController());
  const status = byId<HTMLDivElement>('explore-status');
  const plot = byId<SVGSVGElement>('plot');
  const stop = byId<HTMLButtonElement>('stop');
  plot.replaceChildren();
  delete document.body.dataset.explored;
  status.className = '';
  let count = 0;
  try {
    const lo = parsePoint(byId<HTMLInputElement>('lo').value);
    const hi = parsePoint(byId<HTMLInputElement>('hi').value);
    const [latMin, latMax] = [Math.min(lo.latitude, hi.latitude), Math.max(lo.latitude, hi.latitude)];
    const [lngMin, lngMax] = [Math.min(lo.longitude, hi.longitude), Math.max(lo.longitude, hi.longitude)];
    const { width, height } = plot.viewBox.baseVal;
    const x = (lng: number) => ((lng - lngMin) / Math.max(1, lngMax - lngMin)) * (width - 10) + 5;
    const y = (lat: number) => height - 5 - ((lat - latMin) / Math.max(1, latMax - latMin)) * (height - 10);
    stop.disabled = false;
    status.textContent = 'exploring...';
    for await (const feature of client.exploreArea({ lo, hi }, { signal: controller.signal })) {
      const { latitude, longitude } = feature.location!;
      const dot = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
      dot.setAttribute('cx', x(longitude).toFixed(1));
      dot.setAttribute('cy', y(latitude).toFixed(1));
      dot.setAttribute('r', '4');
      dot.dataset.name = feature.name;
      dot.dataset.lat = String(latitude);
      dot.dataset.lng = String(longitude);
      const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      title.textContent = feature.name;
      dot.append(title);
      plot.append(dot);
      status.textContent = `exploring... ${++count} features`;
    }
    status.textContent = `done: ${count} features`;
  } catch (error) {
    status.textContent = `ExploreArea ${controller.signal.aborted ? 'stopped' : 'failed'} after ${count} features: ${ConnectError.from(error).message}`;
    status.className = 'part-error';
  } finally {
    stop.disabled = true;
    document.body.dataset.explored = 'true';
  }
}
