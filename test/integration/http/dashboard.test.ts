import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { requireMachine } from '../../helpers/system-tool.js';
import { waitFor } from '../../helpers/wait.js';
import { call, callJson, startLocalCluster, type LocalCluster } from './http-helpers.js';

/** Debian's chromium; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Where the screenshot goes (a test artifact, outside the repository). */
const ARTIFACTS = process.env.DSTASH_TEST_ARTIFACTS ?? join(tmpdir(), 'dstash-test-artifacts');

describe('http: the dashboard (/ui) and its stats (/v1/stats)', function () {
  this.timeout(120_000);
  let cluster: LocalCluster;
  let browser: Browser | undefined;
  beforeEach(async () => {
    cluster = await startLocalCluster(3);
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await cluster.stop();
  });

  it('/v1/stats: every member with its size, hints, transfers and recent requests', async () => {
    const n1 = cluster.nodes[0]!;
    const batch = await callJson(n1.httpPort, 'POST', '/v1/kv/default', { put: Array.from({ length: 50 }, (_, i) => ({ key: `s-${i}`, value: 'v' })) });
    assert.equal(batch.status, 200);
    for (let i = 0; i < 20; i++) assert.equal((await call(n1.httpPort, 'GET', `/v1/kv/default/s-${i}`)).status, 200);
    const answer = await call(n1.httpPort, 'GET', '/v1/stats');
    assert.equal(answer.status, 200);
    const stats = answer.json;
    assert.equal(stats.nodeId, 'node-1');
    assert.deepEqual(stats.members.map((m: { id: string }) => m.id).sort(), ['node-1', 'node-2', 'node-3']);
    const requests = (m: { stats: { load: { samples: { requests: number }[] } } }): number => m.stats.load.samples.reduce((a, s) => a + s.requests, 0);
    for (const m of stats.members) {
      assert.equal(m.healthy, true, m.id);
      assert.equal(m.homePartitions, 1024, m.id);
      assert.equal(m.error, null, m.id);
      assert.equal(m.stats.hintsPending, 0, m.id);
      assert.equal(typeof m.stats.sizeBytes, 'number', m.id);
      assert.equal(m.stats.load.sampleMs, 5000);
      assert.equal(m.stats.load.samples.length, 60, 'five minutes of 5 s windows');
      // The others served node-1's batch over gRPC (Apply); node-1 served the REST requests.
      assert.ok(requests(m) >= 1, `${m.id} counted requests`);
    }
    const self = stats.members.find((m: { self: boolean }) => m.self);
    assert.equal(self.id, 'node-1');
    assert.ok(requests(self) >= 21, 'node-1 counted the REST batch and reads');
    assert.ok(self.stats.load.samples.some((s: { requests: number; p99Ms: number }) => s.requests > 0 && s.p99Ms > 0), 'a p99 where there were requests');
  });

  it('/ui: renders the members of a 3-node cluster, shows a node going down, and saves a screenshot', async function () {
    requireMachine(this, existsSync(CHROMIUM), `the dashboard test drives Debian's chromium (${CHROMIUM}; apt-get install chromium)`);
    const n1 = cluster.nodes[0]!;
    const page0 = await call(n1.httpPort, 'GET', '/ui');
    assert.equal(page0.status, 200);
    assert.match(page0.headers.get('content-security-policy') ?? '', /default-src 'self'/, 'no asset from elsewhere');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('requestfailed', (req) => problems.push(`failed: ${req.url()}`));
    page.on('request', (req) => {
      if (!req.url().startsWith(`http://127.0.0.1:${n1.httpPort}/`)) problems.push(`request outside the node: ${req.url()}`);
    });
    await page.goto(`http://127.0.0.1:${n1.httpPort}/ui`);
    const health = (id: string) => page.locator(`tr[data-member="${id}"]`).getAttribute('data-health', { timeout: 10_000 });
    await waitFor(async () => (await page.locator('tr[data-member]').count()) === 3, 'three member rows', 10_000);
    for (const id of ['node-1', 'node-2', 'node-3']) assert.equal(await health(id), 'healthy', id);
    assert.equal(await page.locator('#status').textContent(), 'live');

    // A token typed in the page rides on every later request, and stays in this tab only.
    await page.fill('#token', 'secret-token');
    await page.click('#token-form button');
    const authorized = await page.waitForRequest((req) => req.url().endsWith('/v1/stats') && req.headers().authorization === 'Bearer secret-token', { timeout: 10_000 });
    assert.ok(authorized);
    assert.equal(await page.evaluate('sessionStorage.getItem("dstash.token")'), 'secret-token');

    const down = cluster.nodes[2]!;
    const stoppedAt = Date.now();
    await down.stop();
    await waitFor(async () => (await health('node-3')) === 'unhealthy', 'the dashboard to show node-3 down', 5_000, 100);
    const seconds = (Date.now() - stoppedAt) / 1000;
    assert.equal(await health('node-1'), 'healthy');
    await mkdir(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok((await stat(shot)).size > 10_000, 'a screenshot with something in it');
    console.log(`      node-3 shown down after ${seconds.toFixed(1)} s; screenshot: ${shot}`);
    assert.deepEqual(problems, []);
  });
});
