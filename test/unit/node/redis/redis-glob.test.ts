import assert from 'node:assert/strict';
import { globMatch, literalPrefix } from '../../../../src/node/redis/redis-glob.js';

/**
 * [pattern, subject, matches]: the answers of redis-server 7.0.15 (HSCAN MATCH
 * over a hash holding each subject as a field, which runs `stringmatchlen`
 * on every one; KEYS and SCAN MATCH share it).
 */
const TABLE: [string, string, boolean][] = [
  // `*`
  ['*', 'anything', true],
  ['*', '*', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ba', false],
  ['*a', 'ba', true],
  ['*a', 'ab', false],
  ['*b*', 'abc', true],
  ['a*c', 'ac', true],
  ['a*c', 'abbc', true],
  ['a*c', 'abcb', false],
  ['a**c', 'abc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*a*b', 'aaab', true],
  ['h*llo', 'heeeello', true],
  // `?`
  ['?', 'a', true],
  ['?', 'ab', false],
  ['??', 'ab', true],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['*?', 'a', true],
  ['?*', 'a', true],
  ['h?llo', 'hllo', false],
  // `[abc]`, `[^abc]`
  ['[abc]', 'b', true],
  ['[abc]', 'd', false],
  ['[abc]', 'ab', false],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hxllo', false],
  ['[^abc]', 'd', true],
  ['[^abc]', 'a', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  // ranges: `[a-z]`, `[^a-z]`, reversed, and a range that ends in `]`
  ['[a-z]', 'm', true],
  ['[a-z]', 'A', false],
  ['[z-a]', 'm', true],
  ['[^a-z]', 'A', true],
  ['[^a-z]', 'm', false],
  ['[a-c-e]', '-', true],
  ['[a-c-e]', 'e', true],
  ['[-a]', '-', true],
  ['[a-]', '-', false],
  ['[a-]', '^', true],
  // `]` right after `[` closes an empty class
  ['[]', ']', false],
  ['[]]', ']', false],
  ['[]a]', 'a', false],
  ['[^]]', 'a', false],
  // a class never closed takes the rest of the pattern as its members
  ['[', '[', false],
  ['[abc', 'b', true],
  ['[abc', '[', false],
  ['[^', 'x', true],
  ['[^a', 'b', true],
  ['[^a', 'a', false],
  ['a[b', 'ab', true],
  ['a[', 'a[', false],
  ['*[', '[', false],
  // escapes
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\?', '?', true],
  ['\\?', 'a', false],
  ['\\[', '[', true],
  ['\\\\', '\\', true],
  ['\\a', 'a', true],
  ['a\\*', 'a*', true],
  ['x\\*y', 'x*y', true],
  ['*\\*', 'a*', true],
  ['[\\]]', ']', true],
  ['[\\-]', '-', true],
  ['[a\\-z]', 'm', false],
  ['[*]', '*', true],
  ['[?]', 'a', false],
  // a trailing backslash is a literal one, in a class too
  ['\\', '\\', true],
  ['a\\', 'a\\', true],
  ['a\\', 'a', false],
  ['[\\', '\\', true],
  ['[a\\', 'a', true],
  // empty pattern, empty subject
  ['', '', true],
  ['', 'a', false],
  ['*', '', true],
  ['**', '', false],
  ['?', '', false],
  ['[a]', '', false],
  ['a*', '', false],
];

describe('Redis glob patterns', () => {
  for (const [pattern, subject, expected] of TABLE) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(subject)}`, () => {
      assert.equal(globMatch(Buffer.from(pattern, 'latin1'), Buffer.from(subject, 'latin1')), expected);
    });
  }

  it('matches bytes, not characters', () => {
    assert.equal(globMatch(Buffer.from([0x3f]), Buffer.from('é', 'utf8')), false);
    assert.equal(globMatch(Buffer.from('??'), Buffer.from('é', 'utf8')), true);
    assert.equal(globMatch(Buffer.from([0x5b, 0x00, 0x2d, 0xff, 0x5d]), Buffer.from([0x80])), true);
  });

  it('stays linear in the subject on patterns that would backtrack', () => {
    const pattern = Buffer.from(`${'a*'.repeat(2000)}b`);
    assert.equal(globMatch(pattern, Buffer.alloc(20_000, 'a')), false);
  });

  it('takes the literal start of a pattern, up to its first wildcard or class', () => {
    assert.equal(literalPrefix(Buffer.from('user:*')).toString(), 'user:');
    assert.equal(literalPrefix(Buffer.from('a\\*b?c')).toString(), 'a*b');
    assert.equal(literalPrefix(Buffer.from('ab[cd]')).toString(), 'ab');
    assert.equal(literalPrefix(Buffer.from('ab\\')).toString(), 'ab');
  });
});
