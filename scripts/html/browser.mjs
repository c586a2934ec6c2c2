// Headless Chromium for the HTML report's browser test, screenshots and
// benchmark: Debian's `chromium` driven by puppeteer-core (both pinned: the
// package by .ci/run's apt-get, puppeteer-core by scripts/html/package-lock.json).
// Every page is opened with request interception: any request other than the
// report file itself is counted and aborted, so "no request leaves the page" is
// measured, not assumed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Loads puppeteer-core, axe-core's source and marked from `modules` (a node_modules folder). */
export async function tools(modules) {
  const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
  const puppeteer = require('puppeteer-core');
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const marked = await import(pathToFileURL(require.resolve('marked')).href);
  return { puppeteer, axeSource, marked };
}

/** The launch flags (puppeteer adds --headless itself): nothing in the background, no network of the browser's own. */
export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--font-render-hinting=none',
];

/** Starts Chromium with a fresh profile (removed by `close`). */
export async function launch(puppeteer, executablePath) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'benchgate-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    userDataDir: profile,
    args: FLAGS,
    defaultViewport: { width: 1280, height: 900 },
  });
  const close = async () => {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}

/**
 * Opens `file` (with `hash`) in a new page. Returns the page and its log:
 * console errors and page errors, requests other than the file (aborted),
 * and Content-Security-Policy violations.
 */
export async function open(browser, file, { hash = '', dark = false, viewport } = {}) {
  const page = await browser.newPage();
  if (viewport) await page.setViewport(viewport);
  const url = pathToFileURL(path.resolve(file)).href;
  const log = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(m.text());
  });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (r.url().split('#')[0] === url) {
      r.continue();
    } else {
      log.requests.push(r.url());
      r.abort();
    }
  });
  await page.evaluateOnNewDocument(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: dark ? 'dark' : 'light' }]);
  await page.goto(url + hash, { waitUntil: 'load' });
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
  log.violations = () => page.evaluate(() => window.__cspViolations.slice());
  return { page, log, url };
}

/** Waits for two animation frames (a scroll's render has happened). */
export const frames = (page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/**
 * Every row of the (virtualized) example table, in order: scrolls the table
 * from top to bottom and reads the rows each view renders.
 */
export function allRows(page) {
  return page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const sc = document.getElementById('scroller');
    const seen = new Map();
    sc.scrollTop = 0;
    await frame();
    for (;;) {
      for (const tr of document.querySelectorAll('#rows-body tr.row')) {
        seen.set(+tr.dataset.pos, {
          id: tr.querySelector('button.expand').textContent,
          deltas: [...tr.querySelectorAll('td.delta')].map((td) => td.textContent),
        });
      }
      if (sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 1) break;
      sc.scrollTop += Math.max(1, Math.floor(sc.clientHeight * 0.8));
      await frame();
    }
    sc.scrollTop = 0;
    await frame();
    return [...seen.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  });
}

/** A delta cell's text as a number: "−0.352" → -0.352, "±0.000" → 0. */
export function parseDelta(text) {
  if (text === '–') return NaN;
  return Number(text.replace('−', '-').replace('±', '').replace('+', ''));
}
