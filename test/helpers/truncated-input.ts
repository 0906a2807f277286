/**
 * Decoders fed a message cut short. A cut that ends between two fields is a
 * valid, shorter message, so it may decode; any other cut must be refused.
 * What a decoder may never do is read a cut as something the message did not
 * say: a partial entry, a wrong scalar, or more entries than were sent.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';

/**
 * Decodes every cut of `wire` (1 byte to all but one) and asserts that each
 * one either throws an error `isRejection` accepts or decodes to the message
 * with each repeated field a prefix of the original's and each other field
 * either the original's value or its default; and that some cut throws.
 */
export function assertCutsFailCleanly<M extends object>(wire: Buffer, decode: (bytes: Buffer) => M, isRejection: (err: unknown) => boolean): void {
  const whole = decode(wire) as Record<string, unknown>;
  const defaults = decode(Buffer.alloc(0)) as Record<string, unknown>;
  let threw = 0;
  for (let end = 1; end < wire.length; end++) {
    let cut: Record<string, unknown>;
    try {
      cut = decode(wire.subarray(0, end)) as Record<string, unknown>;
    } catch (err) {
      assert.ok(isRejection(err), `cut at ${end} of ${wire.length}: ${String(err)}`);
      threw += 1;
      continue;
    }
    assert.deepEqual(Object.keys(cut).sort(), Object.keys(whole).sort(), `cut at ${end}: the fields`);
    for (const [field, value] of Object.entries(cut)) {
      const original = whole[field];
      if (Array.isArray(original)) {
        assert.ok(Array.isArray(value) && value.length <= original.length, `cut at ${end}: ${field} has more entries than were sent`);
        assert.deepEqual(value, original.slice(0, value.length), `cut at ${end}: ${field} is not a prefix of the original's`);
      } else if (!isDeepStrictEqual(value, original)) {
        assert.deepEqual(value, defaults[field], `cut at ${end}: ${field} is neither the original's value nor its default`);
      }
    }
  }
  assert.ok(threw > 0, `none of the ${wire.length - 1} cuts was refused`);
}
