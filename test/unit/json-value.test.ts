import { describe, expect, it } from 'vitest';
import { csvField } from '../../src/query/formats.js';
import { isoFromMicros } from '../../src/query/json-value.js';

describe('isoFromMicros', () => {
  it.each([
    [0n, '1970-01-01T00:00:00Z'],
    [1_715_249_472_000_000n, '2024-05-09T10:11:12Z'],
    [1_715_249_472_318_000n, '2024-05-09T10:11:12.318Z'],
    [1_715_249_472_123_456n, '2024-05-09T10:11:12.123456Z'],
    [-1n, '1969-12-31T23:59:59.999999Z'],
    // Beyond JavaScript's Date (±275760 years): DuckDB's largest and smallest timestamps.
    [9_223_372_036_854_775_806n, '+294247-01-10T04:00:54.775806Z'],
    [-9_223_372_022_400_000_000n, '-290308-12-22T00:00:00Z'],
    // Negative and five-digit years keep their seconds.
    [-64_286_567_200_000_000n, '-000068-11-03T12:13:20Z'],
    [-62_198_755_200_000_000n, '-000001-01-01T00:00:00Z'],
    [253_402_300_800_000_000n, '+010000-01-01T00:00:00Z'],
    [951_782_400_000_000n, '2000-02-29T00:00:00Z'],
  ])('%s → %s', (micros, iso) => {
    expect(isoFromMicros(micros)).toBe(iso);
  });

  it('agrees with Date everywhere Date reaches', () => {
    for (let ms = -8.64e15; ms <= 8.64e15; ms += 8.64e15 / 997) {
      const whole = Math.trunc(ms / 1000) * 1000;
      expect(isoFromMicros(BigInt(whole) * 1000n)).toBe(
        new Date(whole).toISOString().replace('.000Z', 'Z'),
      );
    }
  });
});

describe('csvField', () => {
  it.each([
    [null, ''],
    ['', '""'],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
  ])('%j → %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});
