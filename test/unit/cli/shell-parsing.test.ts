import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHistory, saveHistory } from '../../../src/cli/shell/shell-history.js';
import { completeShellLine } from '../../../src/cli/shell/shell-repl.js';
import { splitWords } from '../../../src/cli/shell/shell-words.js';
import { displayBytes } from '../../../src/cli/shell/value-display.js';

const words = (line: string): string[] => splitWords(line).map((b) => b.toString('utf8'));

describe('shell: words, values, completion, history', () => {
  it('splits words on spaces, keeps quoted spaces, and reads escapes as bytes', () => {
    assert.deepEqual(words('  set  k   v  '), ['set', 'k', 'v']);
    assert.deepEqual(words(`set "a b" 'c "d"'`), ['set', 'a b', 'c "d"']);
    assert.deepEqual(words('set k ""'), ['set', 'k', ''], 'an empty quoted word is a word');
    assert.deepEqual(splitWords('set k \\x00\\xff\\n')[2], Buffer.from([0, 0xff, 0x0a]));
    assert.deepEqual(words('set k "tab\\there"'), ['set', 'k', 'tab\there']);
    assert.deepEqual(words("set k 'no\\x00escape'"), ['set', 'k', 'no\\x00escape'], 'single quotes are literal');
  });

  it('rejects an unclosed quote and a bad escape with DSTASH_INVALID_ARGUMENT', () => {
    for (const line of ['get "k', "get 'k", 'get k\\', 'get \\xZZ']) {
      assert.throws(() => splitWords(line), { code: 'DSTASH_INVALID_ARGUMENT' }, line);
    }
  });

  it('prints printable UTF-8 as it is and anything else as base64', () => {
    assert.equal(displayBytes(Buffer.from('hello, wörld\tok')), 'hello, wörld\tok');
    assert.equal(displayBytes(Buffer.from([0x00, 0x01, 0x02])), 'base64:AAEC');
    assert.equal(displayBytes(Buffer.from([0xff, 0xfe])), 'base64://4=', 'invalid UTF-8');
    assert.equal(displayBytes(Buffer.from('line\nbreak')), `base64:${Buffer.from('line\nbreak').toString('base64')}`, 'a newline would split the output line');
    assert.equal(displayBytes(Buffer.from('\u001b[31mred')), `base64:${Buffer.from('\u001b[31mred').toString('base64')}`, 'no terminal escapes');
    assert.equal(displayBytes(Buffer.alloc(0)), '');
  });

  it('completes command names, consistency levels and help topics', () => {
    const complete = (line: string) => (completeShellLine as (line: string) => [string[], string])(line);
    assert.deepEqual(complete('ge'), [['get '], 'ge']);
    assert.deepEqual(complete('s')[0], ['scan', 'set', 'status']);
    assert.deepEqual(complete('consistency q'), [['quorum '], 'q']);
    assert.deepEqual(complete('help me'), [['members '], 'me']);
    assert.deepEqual(complete('get ke')[0], [], 'keys are not completed');
  });

  it('keeps at most the limit of history entries, oldest first in the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dstash-history-'));
    try {
      const file = join(dir, 'history');
      assert.deepEqual(loadHistory(file), [], 'a missing file is an empty history');
      saveHistory(file, ['c', 'b', 'a'], 2);
      assert.equal(await readFile(file, 'utf8'), 'b\nc\n');
      assert.deepEqual(loadHistory(file), ['c', 'b']);
      assert.deepEqual(loadHistory(file, 1), ['c']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
