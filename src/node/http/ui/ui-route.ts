/**
 * `GET /ui`: the dashboard, a static page (HTML, CSS, JS in ./assets, shipped
 * with the package, no external resources) that polls `/v1/stats`. The
 * content security policy lets it load only from this node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { DstashError, ErrorCode } from '../../../errors.js';

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
  const dir = fileURLToPath(new URL('./assets/', import.meta.url));
  // tsc does not copy them: `npm run build` does (scripts/copy-assets.js), and the image and the package take them from there.
  if (!existsSync(join(dir, ASSETS['/ui']!.file))) {
    throw new DstashError(ErrorCode.Unsupported, `dstash: cannot find the dashboard assets in ${dir}; \`npm run build\` copies them there from src/node/http/ui/assets`);
  }
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
