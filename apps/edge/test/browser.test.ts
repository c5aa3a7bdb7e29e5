// The page in a real browser: Debian's Chromium driven by playwright-core (no browser
// download), against the edge and real backends. What the page draws must equal what the
// backends return; a backend that is down shows as an error in its part only. A screenshot is
// written to apps/edge/test-output/ (git-ignored). Skipped, saying why, without /usr/bin/chromium.
import { runToExit, waitFor, type ServiceProcess } from '@grpc-ts/test-support';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { featureName, namedIn, products } from './support/data';
import { serviceBundles, startEdge, startProd, startRouteGuide, staticTarget, stopAll } from './support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = join(__dirname, '../test-output');
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`SKIPPED edge browser test: ${CHROMIUM} is missing (apt-get install chromium; .ci/install-debian-packages.sh does)`);

const WAYPOINTS = ['409146138,-746188906', '407838351,-746143763', '1,2'];
const LO = { latitude: 400000000, longitude: -750000000 };
const HI = { latitude: 420000000, longitude: -730000000 };

(missing ? describe.skip : describe)('the edge page in Chromium', () => {
  let webDir: string;
  let userDataDir: string;
  let routeGuide: ServiceProcess;
  let prod: ServiceProcess;
  let edge: ServiceProcess;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'edge-web-'));
    userDataDir = mkdtempSync(join(tmpdir(), 'edge-chromium-'));
    const built = await runToExit(process.execPath, [join(__dirname, '../../../tools/scripts/bundle-web.mjs'), join(__dirname, '../web'), webDir]);
    if (built.code !== 0) throw new Error(`build-web failed:\n${built.stderr}`);
    await serviceBundles();
    [routeGuide, prod] = await Promise.all([startRouteGuide(), startProd()]);
    edge = await startEdge({
      ROUTE_GUIDE_TARGET: staticTarget(routeGuide.address),
      PROD_SERVICE_TARGET: staticTarget(prod.address),
      EDGE_WEB_DIR: webDir,
      EDGE_READY_PROBE_INTERVAL_MS: '200',
    });
    // A fresh profile (playwright passes it as --user-data-dir), and none of the background
    // traffic Chromium starts on its own.
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1000, height: 1100 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stopAll(edge, routeGuide, prod);
    rmSync(webDir, { recursive: true, force: true });
    rmSync(userDataDir, { recursive: true, force: true });
  }, 60_000);

  const cells = (selector: string) => page.$$eval(selector, (rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => ({ text: td.textContent, error: td.className === 'part-error' }))));

  it('plans a trip: the tables show what route-guide and prod-service answer', async () => {
    await page.goto(`http://${edge.address}/`);
    await page.fill('#waypoints', WAYPOINTS.join('\n'));
    await page.fill('#products', '1,2,9999');
    await page.click('#plan');
    await page.waitForSelector('body[data-planned="true"]');
    expect(await page.textContent('#route')).toMatch(/^route: 3 points, \d+ m, 2 on named features$/);
    expect(await cells('#waypoint-table tbody tr')).toEqual(
      WAYPOINTS.map((text) => {
        const [latitude, longitude] = text.split(',').map(Number);
        return [{ text, error: false }, { text: featureName({ latitude: latitude!, longitude: longitude! }) || '(nothing named here)', error: false }];
      }),
    );
    expect(await cells('#supply-table tbody tr')).toEqual([
      [{ text: '1', error: false }, { text: String(products.find((p) => p.id === 1)!.stock), error: false }],
      [{ text: '2', error: false }, { text: String(products.find((p) => p.id === 2)!.stock), error: false }],
      [{ text: '9999', error: false }, { text: 'not_found: no product with prod_id 9999', error: true }],
    ]);
  });

  it('explores an area: every streamed feature is drawn, exactly the ones route-guide has there, in order', async () => {
    await page.fill('#lo', `${LO.latitude},${LO.longitude}`);
    await page.fill('#hi', `${HI.latitude},${HI.longitude}`);
    await page.click('#explore');
    await page.waitForSelector('body[data-explored="true"]');
    const expected = namedIn(LO, HI);
    expect(await page.textContent('#explore-status')).toBe(`done: ${expected.length} features`);
    const drawn = await page.$$eval('#plot circle', (dots) =>
      dots.map((dot) => ({
        name: dot.getAttribute('data-name'),
        location: { latitude: Number(dot.getAttribute('data-lat')), longitude: Number(dot.getAttribute('data-lng')) },
      })),
    );
    expect(drawn).toEqual(expected);
    // Every dot lies inside the plot.
    const inside = await page.$$eval('#plot circle', (dots) =>
      dots.every((dot) => {
        const [x, y] = [Number(dot.getAttribute('cx')), Number(dot.getAttribute('cy'))];
        return x >= 0 && x <= 600 && y >= 0 && y <= 400;
      }),
    );
    expect(inside).toBe(true);
    mkdirSync(OUTPUT, { recursive: true });
    const file = join(OUTPUT, 'edge-page.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  });

  it('shows a backend that is down as an error in its part only', async () => {
    await prod.stop('SIGTERM');
    await waitFor(async () => (await fetch(`http://${edge.address}/readyz`)).status === 503, 'the edge to see prod-service down');
    await page.$eval('body', (body) => body.removeAttribute('data-planned'));
    await page.fill('#products', '1');
    await page.click('#plan');
    await page.waitForSelector('body[data-planned="true"]');
    expect(await page.textContent('#route')).toMatch(/^route: 3 points/);
    const [supply] = await cells('#supply-table tbody tr');
    expect(supply).toEqual([{ text: '1', error: false }, { text: expect.stringMatching(/^(unavailable: prod-service is unavailable|deadline_exceeded: prod-service did not answer in time)$/), error: true }]);
    const waypoints = await cells('#waypoint-table tbody tr');
    expect(waypoints.every((row) => row[1]!.error === false)).toBe(true);
    const file = join(OUTPUT, 'edge-page-prod-down.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  });
});
