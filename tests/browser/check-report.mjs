// Loads one drplan HTML report in Debian's chromium, headless, and prints a
// JSON verdict on stdout: every request the page made, console errors, the
// timeline's bars (one `rect[data-step]` per started step), whether a
// screenshot has more than one colour, and the render time (navigation
// start to the load event). Usage: node check-report.mjs REPORT.html
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
if (!file) {
  console.error('usage: node check-report.mjs REPORT.html');
  process.exit(2);
}
const url = pathToFileURL(resolve(file)).href;
const profile = mkdtempSync(join(tmpdir(), 'drplan-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  const requests = [];
  const consoleErrors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  const timing = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType('navigation');
    return { loadMs: nav.loadEventStart - nav.startTime };
  });
  const bars = await page.evaluate(() =>
    [...document.querySelectorAll('svg rect[data-step]')].map((r) => r.getAttribute('data-step')));
  const status = await page.evaluate(() => document.querySelector('.verdict')?.dataset.status ?? null);
  const png = await page.screenshot({ fullPage: false });
  // Decode the screenshot in a blank page (the report's own policy forbids
  // images; no PNG library needed): draw it on a canvas and count its
  // distinct colours.
  const scratch = await context.newPage();
  const colours = await scratch.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 64; i += 4 * 7) {
      seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    return seen.size;
  }, png.toString('base64'));
  console.log(JSON.stringify({ url, requests, consoleErrors, bars, status, colours, loadMs: timing.loadMs }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
