#!/usr/bin/env node
// The HTML report at scale: 100,000 examples × 4 metrics of which 30,000 outputs
// changed, opened in headless Chromium. Measures the file's size, the time to
// first paint and to an interactive table, and the time to apply a filter (slice,
// stratum, text search through a pasted link), to sort and to open a row, each
// until the next frame is painted; checks them against the budget below and
// writes bench/RESULTS-html.md. A benchmark, not a test: run it by hand
// (.ci/run does not), after `cargo build --release`.
//
//   node bench/html.mjs [--benchgate target/release/benchgate] \
//     [--modules target/ci-tools/html/node_modules] [--data target/bench-html] \
//     [--chromium /usr/bin/chromium] [--n 100000] [--changed 30000] [--runs 5]
import { spawnSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tools, launch, open, frames } from '../scripts/html/browser.mjs';

const { values: opt } = parseArgs({
  options: {
    benchgate: { type: 'string', default: 'target/release/benchgate' },
    modules: { type: 'string', default: 'target/ci-tools/html/node_modules' },
    data: { type: 'string', default: 'target/bench-html' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
    n: { type: 'string', default: '100000' },
    changed: { type: 'string', default: '30000' },
    runs: { type: 'string', default: '5' },
    results: { type: 'string', default: 'bench/RESULTS-html.md' },
  },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const N = +opt.n;
const CHANGED = +opt.changed;
const RUNS = +opt.runs;

// The budget the report keeps at 100,000 examples (30,000 listed).
const BUDGET = {
  sizeMiB: 24,
  firstPaintMs: 1500,
  readyMs: 3000,
  filterMs: 250,
};

// ---- data: deterministic (mulberry32), the tickets' shape -------------------
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS = ('account billing charge refund invoice order shipping delivery password login locked error ' +
  'payment card subscription plan upgrade cancel address tracking package damaged missing late customer ' +
  'support request update notice price increase discount code promo export report crash app device').split(' ');
const CATEGORIES = ['billing', 'login', 'orders', 'refunds', 'shipping', 'technical', 'account', 'other'];
function sentence(r, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  out[0] = out[0][0].toUpperCase() + out[0].slice(1);
  return out.join(' ') + '.';
}
function generate(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const r = rng(7);
  const base = [];
  const cur = [];
  // Exactly CHANGED examples change: every example whose rank in a fixed
  // shuffle is below CHANGED.
  const order = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const changed = new Uint8Array(N);
  for (let k = 0; k < CHANGED; k++) changed[order[k]] = 1;
  for (let i = 0; i < N; i++) {
    const reference = sentence(r, 8 + Math.floor(r() * 6));
    const prediction = r() < 0.3 ? reference : sentence(r, 8 + Math.floor(r() * 8));
    const row = {
      id: `ex-${String(i).padStart(6, '0')}`,
      input: sentence(r, 25 + Math.floor(r() * 20)) + ' ' + sentence(r, 10),
      reference,
      prediction,
      category: CATEGORIES[Math.floor(r() * CATEGORIES.length)],
      judge: 1 + Math.floor(r() * 5),
      helpfulness: Math.round(r() * 1000) / 1000,
    };
    base.push(JSON.stringify(row));
    if (changed[i]) {
      row.prediction = r() < 0.3 ? reference : sentence(r, 8 + Math.floor(r() * 8));
      if (row.prediction === prediction) row.prediction += ' Thanks.';
      row.judge = 1 + Math.floor(r() * 5);
      row.helpfulness = Math.round(r() * 1000) / 1000;
    }
    cur.push(JSON.stringify(row));
  }
  fs.writeFileSync(path.join(dir, 'baseline.jsonl'), base.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'current.jsonl'), cur.join('\n') + '\n');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const ms = (x) => `${Math.round(x)} ms`;

const dir = path.resolve(opt.data);
const html = path.join(dir, 'report.html');
console.log(`generating ${N} examples (${CHANGED} changed) in ${dir}`);
generate(dir);
const t0 = process.hrtime.bigint();
const run = spawnSync(opt.benchgate, [
  'compare', '-q',
  '--baseline', path.join(dir, 'baseline.jsonl'),
  '--current', path.join(dir, 'current.jsonl'),
  '--metric', 'exact_match', '--metric', 'f1', '--metric', 'judge', '--metric', 'helpfulness',
  '--slice-by', 'category', '--resamples', '1000',
  '--html-out', html,
], { encoding: 'utf8' });
const compareS = Number(process.hrtime.bigint() - t0) / 1e9;
if (run.status !== 0 && run.status !== 1) throw new Error(`benchgate failed: ${run.stderr}`);
const size = fs.statSync(html).size;
const data = fs.readFileSync(html, 'utf8');
const marker = '<script type="application/json" id="benchgate-data">';
const from = data.indexOf(marker) + marker.length;
const listed = JSON.parse(data.slice(from, data.indexOf('</script>', from))).rows.length;
console.log(`report: ${(size / 2 ** 20).toFixed(1)} MiB, ${listed} examples listed; compare took ${compareS.toFixed(1)} s`);

const { puppeteer } = await tools(opt.modules);
const { browser, close } = await launch(puppeteer, opt.chromium);
const runs = [];
try {
  for (let k = 0; k < RUNS; k++) {
    const started = Date.now();
    const { page, log } = await open(browser, html);
    const load = await page.evaluate(() => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
      const nav = performance.getEntriesByType('navigation')[0];
      const ready = performance.getEntriesByName('benchgate-ready')[0];
      return {
        firstPaint: paint['first-paint'],
        firstContentfulPaint: paint['first-contentful-paint'],
        domContentLoaded: nav.domContentLoadedEventEnd,
        load: nav.loadEventEnd,
        ready: ready ? ready.startTime : NaN,
        rowsInDom: document.querySelectorAll('#rows-body tr').length,
        heapMiB: performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : NaN,
      };
    });
    // Each action: from the event to the next painted frame.
    const timed = (fn, arg) =>
      page.evaluate(
        async (src, arg) => {
          const act = new Function('arg', src);
          const t = performance.now();
          act(arg);
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          return performance.now() - t;
        },
        fn,
        arg,
      );
    const select = `const s = document.getElementById(arg[0]); s.value = arg[1]; s.dispatchEvent(new Event('change'));`;
    const slice = await timed(select, ['slice', '0']);
    const shown = await page.$eval('#count', (c) => +c.dataset.shown);
    const stratum = await timed(select, ['show', 'worse:1']);
    const reset = await timed(`document.getElementById('reset').click();`);
    const search = await timed(`location.hash = '#q=' + arg;`, 'refund');
    const found = await page.$eval('#count', (c) => +c.dataset.shown);
    await timed(`document.getElementById('reset').click();`);
    const sort = await timed(`document.querySelector('button.sort[data-metric="3"]').click();`);
    const expand = await timed(`document.querySelector('#rows-body button.expand').click();`);
    const scroll = await timed(`const s = document.getElementById('scroller'); s.scrollTop = s.scrollHeight / 2; s.dispatchEvent(new Event('scroll'));`);
    await frames(page);
    if (log.errors.length || log.requests.length) throw new Error(`errors ${log.errors} requests ${log.requests}`);
    runs.push({ ...load, slice, shown, stratum, reset, search, found, sort, expand, scroll, wall: Date.now() - started });
    console.log(`run ${k + 1}: first paint ${ms(load.firstPaint)}, ready ${ms(load.ready)}, slice filter ${ms(slice)}, search ${ms(search)}, sort ${ms(sort)}`);
    await page.close();
  }
} finally {
  await close();
}

const m = (key) => median(runs.map((r) => r[key]));
const sizeMiB = size / 2 ** 20;
const checks = [
  ['file size', `${sizeMiB.toFixed(1)} MiB`, `${BUDGET.sizeMiB} MiB`, sizeMiB <= BUDGET.sizeMiB],
  ['first paint', ms(m('firstPaint')), ms(BUDGET.firstPaintMs), m('firstPaint') <= BUDGET.firstPaintMs],
  ['table ready (data parsed, first rows drawn)', ms(m('ready')), ms(BUDGET.readyMs), m('ready') <= BUDGET.readyMs],
  ['filter by a slice', ms(m('slice')), ms(BUDGET.filterMs), m('slice') <= BUDGET.filterMs],
  ['filter by stratum (worse on f1)', ms(m('stratum')), ms(BUDGET.filterMs), m('stratum') <= BUDGET.filterMs],
  ['text search (first search builds the index)', ms(m('search')), ms(BUDGET.filterMs), m('search') <= BUDGET.filterMs],
];
const cpu = os.cpus();
const loadavg = os.loadavg().map((x) => x.toFixed(1)).join(' ');
let commit = '';
try {
  commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
} catch {
  commit = 'unknown';
}
const chromium = spawnSync(opt.chromium, ['--version'], { encoding: 'utf8' }).stdout.trim();
const lines = [
  '# The HTML report at scale',
  '',
  `Output of \`node bench/html.mjs\`: ${N.toLocaleString('en')} examples × 4 metrics (exact_match, f1, judge, helpfulness), ${CHANGED.toLocaleString('en')} outputs changed, \`--slice-by category\` (8 slices); median of ${RUNS} page loads in headless Chromium, each action timed from its event to the next painted frame.`,
  '',
  `Machine: ${cpu[0].model.trim()}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${chromium}; node ${process.version}; benchgate ${commit}; load average at the end ${loadavg} (other jobs share the cores: times are upper bounds).`,
  '',
  '| what | measured | budget | met |',
  '|---|---:|---:|---|',
  ...checks.map(([what, got, budget, ok]) => `| ${what} | ${got} | ${budget} | ${ok ? 'yes' : '**no**'} |`),
  '',
  '| more | median |',
  '|---|---:|',
  `| examples listed (changed) | ${listed.toLocaleString('en')} |`,
  `| \`benchgate compare … --html-out\` (1,000 resamples, whole run) | ${compareS.toFixed(1)} s |`,
  `| first contentful paint | ${ms(m('firstContentfulPaint'))} |`,
  `| DOMContentLoaded | ${ms(m('domContentLoaded'))} |`,
  `| load event | ${ms(m('load'))} |`,
  `| rows in the DOM (of ${listed.toLocaleString('en')}) | ${m('rowsInDom')} |`,
  `| JS heap after load | ${m('heapMiB').toFixed(0)} MiB |`,
  `| clear filters | ${ms(m('reset'))} |`,
  `| sort by Δ helpfulness | ${ms(m('sort'))} |`,
  `| open a row (word diff) | ${ms(m('expand'))} |`,
  `| jump to the middle of the table | ${ms(m('scroll'))} |`,
  `| rows in the first slice / matching "refund" | ${m('shown').toLocaleString('en')} / ${m('found').toLocaleString('en')} |`,
  '',
  'Budget: a reviewer clicks the artifact link and the page must be usable at once: the',
  'verdict, metric table and charts paint before the example data is parsed (they are static',
  'HTML), the table is ready within 3 s, and every filter answers within a quarter second.',
  'Only the rows in view (and a few above and below) are ever in the DOM.',
  '',
];
fs.writeFileSync(opt.results, lines.join('\n'));
console.log(lines.join('\n'));
const failedChecks = checks.filter((c) => !c[3]);
if (failedChecks.length) {
  console.error(`over budget: ${failedChecks.map((c) => c[0]).join(', ')}`);
  process.exit(1);
}
