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
  ])('%s → %s', (micros, iso) => {
    expect(isoFromMicros(micros)).toBe(iso);
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
