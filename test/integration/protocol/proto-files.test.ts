import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { requireTool } from '../../helpers/system-tool.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PROTO = join(ROOT, 'proto');

function protoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? protoFiles(join(dir, e.name)) : e.name.endsWith('.proto') ? [join(dir, e.name)] : []));
}

describe('protocol: proto/', function () {
  this.timeout(60_000);

  it('names only .proto files that exist, and its README lists every one', () => {
    const files = protoFiles(PROTO).map((f) => relative(PROTO, f));
    const readme = readFileSync(join(PROTO, 'README.md'), 'utf8');
    for (const file of files) {
      const text = readFileSync(join(PROTO, file), 'utf8');
      for (const [, name] of text.matchAll(/([\w/.-]+\.proto)\b/g)) {
        const exists = existsSync(join(PROTO, name!)) || existsSync(join(PROTO, file, '..', name!));
        assert.ok(exists, `${file} names ${name}, which does not exist`);
      }
      assert.ok(readme.includes(`\`${file}\``), `proto/README.md does not list ${file}`);
    }
  });

  describe('Python stubs made as proto/README.md says', function () {
    let t: TestNode | undefined;
    let dir: { path: string; cleanup: () => Promise<void> } | undefined;
    afterEach(async () => {
      await t?.stop();
      await dir?.cleanup();
    });

    it('talk to a node, next to the grpc library they import', async function () {
      const python = requireTool(this, '/usr/bin/python3', 'python3-grpc-tools', ['-c', 'import grpc, grpc_tools.protoc']);
      const readme = readFileSync(join(PROTO, 'README.md'), 'utf8');
      const command = /^python3 (-m grpc_tools\.protoc .*)$/m.exec(readme)?.[1];
      assert.ok(command, 'proto/README.md gives the protoc command');
      dir = await tempDir('dstash-python-');
      const gen = join(dir.path, 'gen');
      const generate = spawnSync('sh', ['-c', `mkdir -p "$GEN" && "$PYTHON" ${command.replaceAll('=gen', '="$GEN"')}`], {
        cwd: ROOT, encoding: 'utf8', env: { ...process.env, GEN: gen, PYTHON: python },
      });
      assert.equal(generate.status, 0, generate.stderr);
      assert.equal(existsSync(join(gen, 'grpc')), false, 'no grpc/ folder in the stubs');

      t = await startTestNode();
      const script = [
        'import sys; sys.path.insert(0, sys.argv[1])',
        'import grpc',
        'from dstash.v1 import kv_pb2, kv_pb2_grpc',
        'kv = kv_pb2_grpc.KVStub(grpc.insecure_channel(sys.argv[2]))',
        "kv.Put(kv_pb2.PutRequest(index='default', key=b'py', value=b'from python'))",
        "print(kv.Lookup(kv_pb2.LookupRequest(index='default', key=b'py')).value.decode())",
      ].join('\n');
      // Not spawnSync: the node in this process must answer meanwhile.
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(python, ['-c', script, gen, t!.node.address], { timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
        });
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'from python');
    });
  });
});
