/**
 * Finds the byte range of every record in a CloudTrail log document (`{"Records":[{...},...]}`)
 * without building JavaScript objects. Parsing each record is left to DuckDB, in C++; this pass
 * only checks the document's outer shape, so that a wrong-shaped file gets a reason a person can
 * act on, and counts the records of each object before anything is written.
 *
 * Strings are skipped with `indexOf` (memchr), so the pass costs far less than JSON.parse. Line
 * breaks between tokens are blanked in place (a record must fit on one line of the NDJSON the
 * worker hands to DuckDB); that changes whitespace only, so each record stays JSON-equal.
 */

export interface RecordRanges {
  /** starts[i]..ends[i] (exclusive) is record i. */
  readonly starts: number[];
  readonly ends: number[];
}

/** The document is not a readable CloudTrail log; `message` is the reason, for one line. */
export class LogShapeError extends Error {
  override readonly name = 'LogShapeError';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const TAB = 0x09;
const RECORDS_KEY = Buffer.from('Records');

function isSpace(c: number | undefined): boolean {
  return c === SPACE || c === NEWLINE || c === RETURN || c === TAB;
}

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  skipSpace(): number | undefined {
    const buf = this.buf;
    while (isSpace(buf[this.pos])) this.pos++;
    return buf[this.pos];
  }

  truncated(): LogShapeError {
    return new LogShapeError(`JSON ends early at byte ${this.buf.length} (truncated file?)`);
  }

  /** `pos` is on an opening quote; leaves `pos` after the closing one. */
  skipString(): void {
    const buf = this.buf;
    let j = this.pos + 1;
    for (;;) {
      j = buf.indexOf(QUOTE, j);
      if (j < 0) throw this.truncated();
      let k = j - 1;
      while (buf[k] === BACKSLASH) k--;
      if ((j - 1 - k) % 2 === 0) break;
      j++;
    }
    this.pos = j + 1;
  }

  /**
   * `pos` is on `{` or `[`; leaves `pos` after the matching close. Only brackets and strings are
   * tracked here; DuckDB validates every token later.
   */
  skipNested(): void {
    const buf = this.buf;
    const end = buf.length;
    let depth = 0;
    let i = this.pos;
    while (i < end) {
      const c = buf[i];
      if (c === QUOTE) {
        this.pos = i;
        this.skipString();
        i = this.pos;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          this.pos = i + 1;
          return;
        }
      } else if (c === NEWLINE || c === RETURN) buf[i] = SPACE;
      i++;
    }
    throw this.truncated();
  }

  skipScalar(): void {
    const buf = this.buf;
    let i = this.pos;
    for (;;) {
      const c = buf[i];
      if (c === undefined) throw this.truncated();
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      i++;
    }
    if (i === this.pos) throw new LogShapeError(`unexpected character at byte ${i}`);
    this.pos = i;
  }

  skipValue(): void {
    const c = this.skipSpace();
    if (c === undefined) throw this.truncated();
    if (c === QUOTE) this.skipString();
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.skipNested();
    else this.skipScalar();
  }

  expect(char: number, what: string): void {
    const c = this.skipSpace();
    if (c === undefined) throw this.truncated();
    if (c !== char) throw new LogShapeError(`expected ${what} at byte ${this.pos}`);
    this.pos++;
  }
}

function describeTopLevel(c: number | undefined): string {
  if (c === OPEN_BRACKET) return 'the JSON document is an array, not {"Records": [...]}';
  return 'not a CloudTrail log: the file does not start with a JSON object';
}

/** Scans the `Records` array of a CloudTrail log document held in `buf` (mutates line breaks). */
export function scanRecords(buf: Buffer): RecordRanges {
  // 0x01 is the worker's scratch-file separator; JSON allows no raw control characters at all.
  const control = buf.indexOf(0x01);
  if (control >= 0)
    throw new LogShapeError(`invalid JSON: raw control character 0x01 at byte ${control}`);
  const cur = new Cursor(buf);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) cur.pos = 3;
  const first = cur.skipSpace();
  if (first === undefined) throw new LogShapeError('the file is empty');
  if (first !== OPEN_BRACE) throw new LogShapeError(describeTopLevel(first));
  cur.pos++;

  let ranges: RecordRanges | undefined;
  let c = cur.skipSpace();
  if (c === CLOSE_BRACE) cur.pos++;
  else {
    for (;;) {
      if (c === undefined) throw cur.truncated();
      if (c !== QUOTE) throw new LogShapeError(`expected a key at byte ${cur.pos}`);
      const keyStart = cur.pos + 1;
      cur.skipString();
      const isRecords = buf.subarray(keyStart, cur.pos - 1).equals(RECORDS_KEY);
      cur.expect(COLON, "':'");
      if (isRecords) {
        if (ranges) throw new LogShapeError('the document has two "Records" keys');
        ranges = scanRecordArray(cur);
      } else cur.skipValue();
      c = cur.skipSpace();
      if (c === COMMA) {
        cur.pos++;
        c = cur.skipSpace();
        continue;
      }
      if (c === CLOSE_BRACE) {
        cur.pos++;
        break;
      }
      if (c === undefined) throw cur.truncated();
      throw new LogShapeError(`expected ',' or '}' at byte ${cur.pos}`);
    }
  }
  if (cur.skipSpace() !== undefined) {
    throw new LogShapeError(`unexpected data after the JSON document at byte ${cur.pos}`);
  }
  if (!ranges) throw new LogShapeError('no "Records" array in the JSON document');
  return ranges;
}

function scanRecordArray(cur: Cursor): RecordRanges {
  const c = cur.skipSpace();
  if (c === undefined) throw cur.truncated();
  if (c !== OPEN_BRACKET) throw new LogShapeError('"Records" is not an array');
  cur.pos++;
  const starts: number[] = [];
  const ends: number[] = [];
  let next = cur.skipSpace();
  if (next === CLOSE_BRACKET) {
    cur.pos++;
    return { starts, ends };
  }
  for (;;) {
    if (next === undefined) throw cur.truncated();
    if (next !== OPEN_BRACE) {
      if (next === CLOSE_BRACKET) throw new LogShapeError('trailing comma in the "Records" array');
      throw new LogShapeError(`record ${starts.length} is not a JSON object`);
    }
    starts.push(cur.pos);
    cur.skipNested();
    ends.push(cur.pos);
    next = cur.skipSpace();
    if (next === COMMA) {
      cur.pos++;
      next = cur.skipSpace();
      continue;
    }
    if (next === CLOSE_BRACKET) {
      cur.pos++;
      return { starts, ends };
    }
    if (next === undefined) throw cur.truncated();
    throw new LogShapeError(`expected ',' or ']' after record ${starts.length - 1}`);
  }
}
