#!/usr/bin/env node
// Removes from dist/ what tsc compiled from sources that no longer exist
// (a renamed or deleted .ts file), after `tsc` has brought the rest up to
// date. `npm run build` therefore never empties dist/: a `npm run dev` that
// serves from it, or a CLI call in another terminal, keeps working while
// `npm test` builds. Only tsc's own outputs (.js, .js.map, .d.ts, .d.ts.map)
// are candidates, and a file copied from the same path in the tree (an asset
// such as the dashboard's .js, see copy-assets.js) is kept while its source is.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const OUTPUT = /\.(?:js|js\.map|d\.ts|d\.ts\.map)$/;

/** Prunes `dir`; returns true when it is left empty. */
function prune(dir) {
  let left = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (prune(path)) rmdirSync(path);
      else left++;
      continue;
    }
    const copied = join(root, relative(dist, path));
    const compiled = copied.replace(OUTPUT, '.ts');
    if (OUTPUT.test(entry.name) && !existsSync(compiled) && !existsSync(copied)) rmSync(path);
    else left++;
  }
  return left === 0;
}

if (existsSync(dist)) prune(dist);
