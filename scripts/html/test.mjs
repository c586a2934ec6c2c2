#!/usr/bin/env node
// The HTML report in a real browser (headless Chromium), on the tickets fixture
// and on the hostile fixture (fixtures/cases/hostile-html/):
//   - no console error, no request leaves the page (interception counts them),
//     and the Content-Security-Policy blocks a fetch and an image the test tries;
//   - filtering by each slice shows exactly that slice's changed examples (the
//     ids are recomputed from the JSONL files; the slice's size is the JSON
//     report's n), sorting orders rows by delta, a row expands to the diff, the
//     address keeps filter and open example, arrow keys move between rows, and
//     only the rows in view are in the DOM;
//   - the hostile fixture executes nothing (window.__benchgatePwned stays unset),
//     injects no element, and its 1 MB output is shown as text;
//   - axe-core finds no serious or critical violation (light and dark);
//   - screenshots of the report and of the rendered PR comment (the job
//     summary's markdown, which is the comment's) go to --out.
//
//   node scripts/html/test.mjs --benchgate target/release/benchgate \
//     --modules target/ci-tools/html/node_modules [--out target/html] \
//     [--chromium /usr/bin/chromium] [--screenshots docs/src/img]
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tools, launch, open, allRows, frames, parseDelta } from './browser.mjs';

const { values: opt } = parseArgs({
  options: {
    benchgate: { type: 'string', default: 'target/release/benchgate' },
    modules: { type: 'string', default: 'target/ci-tools/html/node_modules' },
    out: { type: 'string', default: 'target/html' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
    screenshots: { type: 'string' },
  },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
process.chdir(root);
fs.mkdirSync(opt.out, { recursive: true });

// GitHub's comment look, roughly: enough to judge the rendered markdown.
const COMMENT_CSS = `
body { margin: 0; padding: 16px; background: #fff; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Noto Color Emoji"; color: #1f2328; }
.comment { max-width: 860px; border: 1px solid #d1d9e0; border-radius: 6px; }
.who { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; color: #59636e; }
.who span { border: 1px solid #d1d9e0; border-radius: 10px; padding: 0 6px; font-size: 12px; }
.markdown-body { padding: 16px; }
h3 { margin: 0 0 12px; font-size: 17px; }
table { border-collapse: collapse; margin: 12px 0; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 5px 12px; }
tr:nth-child(2n) td { background: #f6f8fa; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
blockquote { margin: 0; padding: 0 12px; color: #59636e; border-left: 4px solid #d1d9e0; }
sub { color: #59636e; }
a { color: #0969da; }
`;

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n     ')}`);
  }
}

function benchgate(args, env = {}) {
  const r = spawnSync(opt.benchgate, args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`benchgate ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return r;
}

function readJsonl(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

// ---- the reports under test -------------------------------------------------
const out = path.resolve(opt.out);
const tickets = { html: path.join(out, 'tickets.html'), json: path.join(out, 'tickets.json') };
const summary = path.join(out, 'summary.md');
const outputs = path.join(out, 'outputs.txt');
fs.rmSync(summary, { force: true });
fs.rmSync(outputs, { force: true });
// --github outside a pull request: the job summary gets the comment's markdown,
// with the line that links the report (no network: no event, no token).
const run = benchgate(
  [
    'compare', '-q',
    '--baseline', 'fixtures/tickets/baseline.jsonl',
    '--current', 'fixtures/tickets/current.jsonl',
    '--slice-by', 'category',
    '--html-out', tickets.html, '--json-out', tickets.json,
    '--github',
  ],
  {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: outputs,
    GITHUB_REPOSITORY: 'acme/support-bot',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_EVENT_NAME: 'push',
    RUNNER_TEMP: out,
  },
);
assert.equal(run.status, 1, 'the tickets fixture regresses: exit 1');
const report = JSON.parse(fs.readFileSync(tickets.json, 'utf8'));
const base = new Map(readJsonl('fixtures/tickets/baseline.jsonl').map((r) => [r.id, r]));
const cur = new Map(readJsonl('fixtures/tickets/current.jsonl').map((r) => [r.id, r]));
const metricNames = report.metrics.map((m) => m.name);
// Listed: the output or a score changed. Text metrics follow the output (the
// references are the same), external scores are the fields themselves.
const external = metricNames.filter((m) => m in base.values().next().value);
function changed(id) {
  const b = base.get(id);
  const c = cur.get(id);
  return b.prediction !== c.prediction || external.some((m) => b[m] !== c[m]);
}

const hostile = path.join(out, 'hostile.html');
benchgate([
  'compare', '-q',
  '--baseline', 'fixtures/cases/hostile-html/baseline.jsonl',
  '--current', 'fixtures/cases/hostile-html/current.jsonl',
  '--slice-by', 'category', '--min-examples', '2', '--resamples', '1000',
  '--html-out', hostile,
]);

const { puppeteer, axeSource, marked } = await tools(opt.modules);
const { browser, close } = await launch(puppeteer, opt.chromium);

async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} nodes, e.g. ${v.nodes[0].target.join(' ')}`);
}

async function clean(log, what) {
  assert.deepEqual(log.errors, [], `${what}: console errors`);
  assert.deepEqual(log.requests, [], `${what}: requests left the page`);
  assert.deepEqual(await log.violations(), [], `${what}: CSP violations`);
}

try {
  // ---- tickets ----------------------------------------------------------------
  const { page, log } = await open(browser, tickets.html);

  await check('tickets: loads with no console error, no request and no CSP violation', async () => {
    await clean(log, 'tickets');
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    for (const d of ["default-src 'none'", "connect-src 'none'", "img-src 'none'", "base-uri 'none'", "form-action 'none'"]) {
      assert.ok(csp.includes(d), `CSP has ${d}: ${csp}`);
    }
    assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), csp);
  });

  await check('tickets: the table lists every changed example, and only the rows in view are in the DOM', async () => {
    const expected = [...base.keys()].filter((id) => cur.has(id) && changed(id));
    const shown = await page.$eval('#count', (c) => +c.dataset.shown);
    assert.equal(shown, expected.length);
    const inDom = await page.$$eval('#rows-body tr.row', (r) => r.length);
    assert.ok(inDom < 60 && inDom > 5, `${inDom} rows in the DOM of ${shown}`);
    const rows = await allRows(page);
    assert.deepEqual(rows.map((r) => r.id).sort(), expected.sort());
  });

  const slices = [...new Map(report.slices.map((s) => [`${s.field}=${s.value}`, s])).values()];
  await check(`tickets: filtering by each of the ${slices.length} slices shows exactly its changed examples`, async () => {
    assert.ok(slices.length > 1, 'the fixture has slices');
    for (const s of slices) {
      const name = `${s.field}=${s.value}`;
      const value = await page.$$eval(
        '#slice option',
        (os, name) => os.find((o) => o.textContent.startsWith(`${name} (`))?.value,
        name,
      );
      assert.ok(value !== undefined, `slice option ${name}`);
      await page.select('#slice', value);
      await frames(page);
      const count = await page.$eval('#count', (c) => ({ ...c.dataset }));
      assert.equal(+count.sliceSize, s.n, `${name}: the page's slice size is the JSON report's n`);
      const expected = [...base.values()]
        .filter((r) => r[s.field] === s.value && changed(r.id))
        .map((r) => r.id)
        .sort();
      const rows = (await allRows(page)).map((r) => r.id).sort();
      assert.deepEqual(rows, expected, name);
      assert.equal(+count.shown, expected.length, name);
      assert.ok(page.url().includes(`slice=${encodeURIComponent(name).replace(/%20/g, '+')}`), page.url());
    }
    await page.click('#reset');
  });

  await check('tickets: a slice cell of the grid filters to the slice, worst first', async () => {
    const billing = slices.find((s) => s.value === 'billing');
    await page.click('button.slice-filter[aria-label*="category=billing"]');
    await frames(page);
    const count = await page.$eval('#count', (c) => ({ ...c.dataset, text: c.textContent }));
    assert.equal(+count.sliceSize, billing.n);
    assert.match(count.text, /category=billing/);
    await page.click('#reset');
  });

  const sign = (m) => (report.metrics.find((x) => x.name === m).direction === 'higher' ? 1 : -1);
  for (const metric of ['f1', 'latency_ms']) {
    await check(`tickets: sorting by Δ ${metric} orders rows by delta, worst first, then best first`, async () => {
      const mi = metricNames.indexOf(metric);
      const th = `th.delta-col:nth-of-type(${5 + mi})`;
      let order = await page.$eval(th, (t) => t.getAttribute('aria-sort'));
      if (!order) {
        await page.click(`button.sort[data-metric="${mi}"]`);
        await frames(page);
      }
      for (const worstFirst of [true, false]) {
        const rows = await allRows(page);
        const gains = rows.map((r) => parseDelta(r.deltas[mi]) * sign(metric));
        for (let i = 1; i < gains.length; i++) {
          const ok = worstFirst ? gains[i - 1] <= gains[i] : gains[i - 1] >= gains[i];
          assert.ok(ok, `row ${i}: ${rows[i - 1].deltas[mi]} then ${rows[i].deltas[mi]}`);
        }
        order = await page.$eval(th, (t) => t.getAttribute('aria-sort'));
        const ascending = worstFirst === (sign(metric) > 0);
        assert.equal(order, ascending ? 'ascending' : 'descending');
        await page.click(`button.sort[data-metric="${mi}"]`);
        await frames(page);
      }
      await page.click('#reset');
    });
  }

  let opened;
  await check('tickets: a row expands to input, references, both outputs with the word diff, and the scores', async () => {
    await page.click('#rows-body tr.row button.expand');
    await frames(page);
    const d = await page.$eval('#rows-body tr.detail', (tr) => ({
      region: tr.querySelector('[role=region]').getAttribute('aria-label'),
      pres: [...tr.querySelectorAll('pre')].map((p) => p.textContent),
      del: tr.querySelectorAll('del').length,
      ins: tr.querySelectorAll('ins').length,
      scores: tr.querySelectorAll('table.scores tbody tr').length,
      expanded: document.querySelector('#rows-body tr.row.open button.expand').getAttribute('aria-expanded'),
    }));
    opened = d.region.replace(/^Example /, '');
    const b = base.get(opened);
    const c = cur.get(opened);
    assert.equal(d.expanded, 'true');
    assert.deepEqual(d.pres, [b.input, b.reference, b.prediction, c.prediction]);
    assert.ok(d.del > 0 && d.ins > 0, `diff marks: ${d.del} del, ${d.ins} ins`);
    assert.equal(d.scores, metricNames.length);
    assert.ok(page.url().includes(`open=${opened}`), page.url());
  });

  await check('tickets: arrow keys move between rows; Escape closes the open row', async () => {
    await page.focus('#rows-body tr.row button.expand');
    const first = await page.evaluate(() => document.activeElement.textContent);
    await page.keyboard.press('ArrowDown');
    await frames(page);
    const second = await page.evaluate(() => document.activeElement.dataset.pos);
    assert.equal(second, '1');
    await page.keyboard.press('ArrowUp');
    await frames(page);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), first);
    await page.keyboard.press('Escape');
    await frames(page);
    assert.equal(await page.$('#rows-body tr.detail'), null);
    await page.keyboard.press('Enter');
    await frames(page);
    assert.notEqual(await page.$('#rows-body tr.detail'), null);
  });

  await check('tickets: axe-core finds no serious or critical violation (light, example open)', async () => {
    assert.deepEqual(await axe(page), []);
  });

  await check('tickets: the metrics table fits a 1,400-pixel window without scrolling sideways', async () => {
    await page.setViewport({ width: 1400, height: 1000 });
    await frames(page);
    const { scroll, client } = await page.$eval('#metrics .scroll-x', (d) => ({ scroll: d.scrollWidth, client: d.clientWidth }));
    assert.ok(scroll <= client, `metrics table ${scroll} px wide in a ${client} px region`);
  });

  await page.click('#reset');
  await page.setViewport({ width: 1280, height: 1500 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await frames(page);
  await page.screenshot({ path: path.join(out, 'report-light.png') });
  await clean(log, 'tickets after the checks');
  await page.close();

  await check('tickets: a pasted link restores the filter and the open example', async () => {
    const hash = `#slice=category%3Dbilling&show=worse%3Af1&open=ticket-0088`;
    const { page: p, log: l } = await open(browser, tickets.html, { hash });
    const state = await p.evaluate(() => ({
      slice: document.querySelector('#slice').selectedOptions[0].textContent,
      show: document.querySelector('#show').value,
      open: document.querySelector('#rows-body tr.detail [role=region]')?.getAttribute('aria-label'),
      count: document.querySelector('#count').dataset.shown,
    }));
    assert.match(state.slice, /^category=billing/);
    assert.equal(state.show, `worse:${metricNames.indexOf('f1')}`);
    assert.equal(state.open, 'Example ticket-0088');
    const expected = [...base.values()].filter(
      (r) => r.category === 'billing' && changed(r.id),
    ).length;
    assert.ok(+state.count > 0 && +state.count <= expected, state.count);
    await p.setViewport({ width: 1280, height: 1100 });
    await p.evaluate(() => {
      const sc = document.getElementById('scroller');
      document.getElementById('examples').scrollIntoView();
      const open = document.querySelector('#rows-body tr.row.open');
      sc.scrollTop = open.offsetTop - 40;
    });
    await frames(p);
    await p.screenshot({ path: path.join(out, 'report-example-light.png') });
    await clean(l, 'pasted link');
    await p.close();
  });

  await check('tickets: dark: no serious or critical axe violation', async () => {
    const { page: p, log: l } = await open(browser, tickets.html, { dark: true, hash: '#open=ticket-0088' });
    assert.deepEqual(await axe(p), []);
    await p.setViewport({ width: 1280, height: 1500 });
    await p.evaluate(() => window.scrollTo(0, 0));
    await frames(p);
    await p.screenshot({ path: path.join(out, 'report-dark.png') });
    await clean(l, 'dark');
    await p.close();
  });

  await check('tickets: the Content-Security-Policy blocks a fetch and an image', async () => {
    const { page: p, log: l } = await open(browser, tickets.html);
    const fetched = await p.evaluate(async () => {
      try {
        await fetch('http://127.0.0.1:9/leak');
        return 'fetched';
      } catch (e) {
        return 'blocked';
      }
    });
    await p.evaluate(() => new Promise((r) => {
      const img = new Image();
      img.onerror = r;
      img.onload = r;
      img.src = 'http://127.0.0.1:9/pixel.png';
    }));
    assert.equal(fetched, 'blocked');
    const violations = await l.violations();
    assert.ok(violations.some((v) => v.startsWith('connect-src')), violations.join('; '));
    assert.ok(violations.some((v) => v.startsWith('img-src')), violations.join('; '));
    assert.deepEqual(l.requests, [], 'blocked before the network');
    await p.close();
  });

  // ---- the PR comment -----------------------------------------------------------
  await check('comment: the job summary links the report with its number of changed examples', async () => {
    const md = fs.readFileSync(summary, 'utf8');
    const listed = [...base.keys()].filter((id) => cur.has(id) && changed(id)).length;
    assert.match(md, new RegExp(`\\[Full report\\]\\(https://github.com/acme/support-bot/actions/runs/4242#artifacts\\)\\*\\*: all ${listed} examples`));
    const written = fs.readFileSync(outputs, 'utf8');
    assert.match(written, new RegExp(`html-report<<(\\S+)\\n${tickets.html.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n\\1`));
    const body = marked.marked.parse(md);
    const doc = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>PR comment</title><style>${COMMENT_CSS}</style></head><body><div class="comment"><div class="who"><strong>github-actions</strong> <span>bot</span> commented</div><div class="markdown-body">${body}</div></div></body></html>`;
    fs.writeFileSync(path.join(out, 'comment.html'), doc);
    const { page: p, log: l } = await openPlain(path.join(out, 'comment.html'));
    await p.evaluate(() => document.querySelectorAll('details').forEach((d, i) => { if (i < 2) d.open = true; }));
    const height = await p.evaluate(() => Math.min(2200, document.querySelector('.comment').getBoundingClientRect().bottom + 20));
    await p.setViewport({ width: 900, height: Math.ceil(height) });
    await p.screenshot({ path: path.join(out, 'comment.png') });
    assert.deepEqual(l.requests, []);
    await p.close();
  });

  // ---- hostile ------------------------------------------------------------------
  const h = await open(browser, hostile);
  await check('hostile: loads with no console error, no request, no CSP violation; nothing ran', async () => {
    await clean(h.log, 'hostile');
    assert.equal(await h.page.evaluate(() => window.__benchgatePwned), undefined);
  });

  await check('hostile: no element, handler or link came from the data', async () => {
    const found = await h.page.evaluate(() => {
      const bad = [];
      for (const e of document.querySelectorAll('*')) {
        if (/^(img|iframe|object|embed|base|link|form|video|audio|source)$/i.test(e.tagName)) bad.push(e.tagName);
        if (e.tagName === 'META' && e.httpEquiv && e.httpEquiv.toLowerCase() !== 'content-security-policy') bad.push('meta ' + e.httpEquiv);
        if (e.tagName === 'STYLE' && e.parentElement !== document.head) bad.push('style in body');
        if (e.tagName === 'SCRIPT' && e.parentElement !== document.body) bad.push('script out of place');
        for (const a of e.getAttributeNames()) if (/^on/i.test(a)) bad.push(`${e.tagName}[${a}]`);
        if (e.tagName === 'A' && /^\s*javascript:/i.test(e.getAttribute('href') || '')) bad.push('javascript: link');
      }
      return { bad, scripts: document.scripts.length };
    });
    assert.deepEqual(found.bad, []);
    assert.equal(found.scripts, 2, 'the data element and the report script, nothing more');
  });

  await check('hostile: every listed example expands to inert text; bidi overrides are shown, the 1 MB output whole', async () => {
    const rows = await allRows(h.page);
    const expected = readJsonl('fixtures/cases/hostile-html/current.jsonl').filter((r, i) => i % 5 !== 4);
    assert.equal(rows.length, expected.length);
    assert.ok(rows.some((r) => r.id.includes('⟨U+202E⟩')), 'bidi override shown as ⟨U+202E⟩');
    let longest = 0;
    for (let pos = 0; pos < rows.length; pos++) {
      await h.page.evaluate((pos) => {
        const sc = document.getElementById('scroller');
        sc.scrollTop = pos * 34;
      }, pos);
      await frames(h.page);
      await h.page.click(`#rows-body button.expand[data-pos="${pos}"]`);
      await frames(h.page);
      const len = await h.page.$$eval('#rows-body tr.detail pre', (ps) => Math.max(...ps.map((p) => p.textContent.length)));
      longest = Math.max(longest, len);
      assert.equal(await h.page.evaluate(() => window.__benchgatePwned), undefined, `after opening row ${pos}`);
      await h.page.click(`#rows-body button.expand[data-pos="${pos}"]`);
    }
    assert.ok(longest >= 1_000_000, `the 1 MB output is there whole (${longest})`);
  });

  await check('hostile: search and slice filters on payload text run nothing', async () => {
    await h.page.type('#q', '<script>');
    await new Promise((r) => setTimeout(r, 300));
    await frames(h.page);
    assert.ok(+(await h.page.$eval('#count', (c) => c.dataset.shown)) > 0);
    await h.page.click('#reset');
    const cells = await h.page.$$('button.slice-filter');
    assert.ok(cells.length > 0, 'hostile slices are in the grid');
    for (const cell of cells.slice(0, 12)) {
      await cell.click();
      await frames(h.page);
    }
    assert.equal(await h.page.evaluate(() => window.__benchgatePwned), undefined);
    await clean(h.log, 'hostile after the checks');
  });
  await h.page.setViewport({ width: 1280, height: 1200 });
  await h.page.screenshot({ path: path.join(out, 'hostile.png') });
  await h.page.close();
} finally {
  await close();
}

async function openPlain(file) {
  const { pathToFileURL } = await import('node:url');
  const p = await browser.newPage();
  const url = pathToFileURL(file).href;
  const l = { requests: [] };
  await p.setRequestInterception(true);
  p.on('request', (r) => (r.url() === url ? r.continue() : (l.requests.push(r.url()), r.abort())));
  await p.goto(url, { waitUntil: 'load' });
  return { page: p, log: l };
}

if (opt.screenshots && !failed) {
  fs.mkdirSync(opt.screenshots, { recursive: true });
  for (const name of ['report-light.png', 'report-dark.png', 'report-example-light.png', 'comment.png']) {
    fs.copyFileSync(path.join(out, name), path.join(opt.screenshots, name));
  }
  console.log(`screenshots copied to ${opt.screenshots}`);
}
console.log(`screenshots: ${['report-light.png', 'report-dark.png', 'report-example-light.png', 'comment.png', 'hostile.png'].map((n) => path.join(opt.out, n)).join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

