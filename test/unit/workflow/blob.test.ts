import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrayOf, CorruptScratchError, decodeBlob, encodeBlob } from '../../../shared/training/distributed/blob';

describe('scratch file format', () => {
  it('round-trips typed arrays and the header, each array aligned for a zero-copy view', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ maxLength: 50, noDefaultInfinity: true, noNaN: true }),
        fc.float64Array({ maxLength: 20, noNaN: true }),
        fc.int32Array({ maxLength: 33 }),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.integer()),
        (f32, f64, i32, meta) => {
          const b = decodeBlob(encodeBlob(meta, { f32, f64, i32 }));
          expect(b.meta).toEqual(meta);
          expect(Array.from(arrayOf(b, 'f32', Float32Array))).toEqual(Array.from(f32));
          expect(Array.from(arrayOf(b, 'f64', Float64Array))).toEqual(Array.from(f64));
          expect(Array.from(arrayOf(b, 'i32', Int32Array))).toEqual(Array.from(i32));
          for (const a of Object.values(b.arrays)) expect(a.byteOffset % 8).toBe(0);
        },
      ),
    );
  });

  it('refuses a truncated or foreign file, and an array of the wrong type, by name', () => {
    const bytes = encodeBlob({ side: 'user' }, { rows: new Float32Array([1, 2, 3]) });
    expect(() => decodeBlob(bytes.subarray(0, bytes.length - 4), 'rows/user/1/0.bin')).toThrow(
      /rows\/user\/1\/0\.bin: \d+ bytes, the header says \d+/,
    );
    expect(() => decodeBlob(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(CorruptScratchError);
    expect(() => arrayOf(decodeBlob(bytes), 'rows', Int32Array)).toThrow(/rows is missing or of the wrong type/);
  });
});
