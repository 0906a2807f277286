/**
 * `GET /ui`: the dashboard, a static page (HTML, CSS, JS in ./assets, shipped
 * with the package, no external resources) that polls `/v1/stats`. The
 * content security policy lets it load only from this node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The assets, by URL path, with their content types. */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/ui': { file: 'dashboard.html', type: 'text/html; charset=utf-8' },
  '/ui/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/ui/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
};

/** Every path the dashboard serves: static files that hold no data, open even when the node asks for tokens. */
export const UI_PATHS: ReadonlySet<string> = new Set([...Object.keys(ASSETS), '/ui/']);

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/** Registers /ui and its assets (read once, at registration). */
export function registerUiRoute(app: FastifyInstance): void {
  const dir = assetsDir();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    const body = readFileSync(join(dir, file));
    app.get(path, async (_request, reply) => reply
      .header('content-type', type)
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(body));
  }
  app.get('/ui/', async (_request, reply) => reply.redirect('/ui'));
}

/** src/node/http/ui/assets, found from this module in src/ or dist/src/ (tsc does not copy them). */
function assetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 7; i++) {
    const candidate = join(dir, 'src', 'node', 'http', 'ui', 'assets');
    if (existsSync(join(candidate, 'dashboard.html'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('dstash: cannot find the dashboard assets (src/node/http/ui/assets) next to the package');
}
