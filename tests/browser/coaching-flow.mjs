// The dashboard's coaching flow in headless Chromium, driven by Playwright
// (playwright-core, with Debian's chromium): open a person's page, see the
// suggested practice, click "Assign", see the assignment on the page; open
// one of the teammate's example sessions and land on the line where the
// practice shows; open the practice's "who to learn from" page and the
// matrix page's cohorts over time, and the person's team page. The trend
// chart must have drawn lines (pixels of a series colour on its canvas).
// Writes screenshots to OUTDIR and prints one JSON line of findings.
//
//   node tests/browser/coaching-flow.mjs URL OUTDIR
//   (PLAYWRIGHT_CORE: the playwright-core module folder; CHROMIUM: the browser)
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, outdir] = process.argv.slice(2);
if (!url || !outdir) {
  console.error('usage: coaching-flow.mjs URL OUTDIR');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const out = {};
// Pixels on a chart's canvas that are not white or grey: the drawn lines.
const colouredPixels = (page, sel) => page.evaluate((sel) => {
  const cv = document.querySelector(sel);
  if (!cv) return 0;
  const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
    if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) n++;
  }
  return n;
}, sel);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#coaching[data-state="loaded"]', { timeout: 30000 });
  out.practice = await page.getAttribute('#suggestion', 'data-practice');
  out.team_href = await page.getAttribute('#team-link', 'href');
  out.series = Number(await page.getAttribute('#trend-chart', 'data-series'));
  out.chart_pixels = await colouredPixels(page, '#trend-chart canvas');
  await page.screenshot({ path: path.join(outdir, 'person-before.png'), fullPage: true });
  out.before = await page.$$eval('#assignments li[data-practice]', (l) => l.length);
  await page.click('#assign-button');
  await page.waitForSelector(`#assignments li[data-practice="${out.practice}"]`, { timeout: 30000 });
  out.after = await page.$$eval('#assignments li[data-practice]', (l) => l.map((x) => [x.dataset.practice, x.dataset.verdict]));
  out.status = await page.textContent('.assign-status');
  await page.screenshot({ path: path.join(outdir, 'person-assigned.png'), fullPage: true });
  // Reloaded, the assignment is still on the person's page.
  await page.reload();
  await page.waitForSelector('#coaching[data-state="loaded"]', { timeout: 30000 });
  out.after_reload = await page.$$eval('#assignments li[data-practice]', (l) => l.length);
  // The teammate's best sessions: the first opens at the practice's moment.
  await page.waitForSelector('#examples li a.example-link', { timeout: 30000 });
  out.examples = await page.$$eval('#examples li a.example-link', (l) => l.map((a) => a.getAttribute('href')));
  await page.click('#examples li a.example-link');
  await page.waitForSelector('body[data-ready="session"] .tl-row.focus', { timeout: 30000 });
  await page.waitForTimeout(300);
  out.moment = await page.evaluate(() => {
    const r = document.querySelector('.tl-row.focus');
    const b = r.getBoundingClientRect();
    return { line: r.dataset.line, agent: r.dataset.agent || '', practices: (r.dataset.practices || '').split(' '),
      visible: b.top >= 0 && b.bottom <= window.innerHeight, hash: location.hash };
  });
  await page.screenshot({ path: path.join(outdir, 'example-moment.png') });
  // The practice's page: the people to learn it from.
  const base = url.split('#')[0];
  const window_ = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  await page.goto(`${base}#/practices/${out.practice}${window_}`);
  await page.waitForSelector('body[data-ready="practice"]', { timeout: 30000 });
  out.teachers = await page.$$eval('#teachers li[data-person]', (l) => l.map((x) => x.dataset.person));
  out.teacher_links = await page.$$eval('#teachers a.example-link', (l) => l.length);
  await page.screenshot({ path: path.join(outdir, 'practice-teachers.png'), fullPage: true });
  // The matrix page's cohorts over time, for the same window.
  await page.goto(`${base}#/${window_}`);
  await page.waitForSelector('#cohorts[data-state="loaded"]', { timeout: 30000 });
  out.cohort_points = Number(await page.getAttribute('#cohort-chart', 'data-points'));
  out.cohort_pixels = await colouredPixels(page, '#cohort-chart canvas');
  out.cohort_gap = await page.textContent('#cohort-gap');
  await page.locator('#cohorts').screenshot({ path: path.join(outdir, 'cohorts.png') });
  // The person's team: its weekly trend and its cohorts.
  await page.goto(`${base}${out.team_href}`);
  await page.waitForSelector('body[data-ready="team"]', { timeout: 30000 });
  out.team_series = Number(await page.getAttribute('#team-trend-chart', 'data-series'));
  out.team_pixels = await colouredPixels(page, '#team-trend-chart canvas');
  out.team_cohort_points = Number(await page.getAttribute('#cohort-chart', 'data-points'));
  await page.screenshot({ path: path.join(outdir, 'team.png'), fullPage: true });
  out.errors = errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
