/**
 * Finds the byte range of every record in a CloudTrail log document (`{"Records":[{...},...]}`)
 * without building JavaScript objects. Parsing each record is left to DuckDB, in C++; this pass
 * only checks the document's outer shape, so that a wrong-shaped file gets a reason a person can
 * act on, and counts the records of each object before anything is written.
 *
 * The scan can be fed a document in pieces (`RecordScanner`): a log of hundreds of MB is read
 * through a small window instead of being held whole. Each call reports the records that lie
 * wholly in the text given, and how much of the text it has consumed; the rest is handed back,
 * with more text after it, on the next call.
 *
 * Strings are skipped with `indexOf` (memchr), so the pass costs far less than JSON.parse. Line
 * breaks between tokens are blanked in place (a record must fit on one line of the NDJSON the
 * worker hands to DuckDB); that changes whitespace only, so each record stays JSON-equal.
 */
import { isUtf8 } from 'node:buffer';

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

/** Thrown inside a step when the text given ends before the step does and more may follow. */
class NeedMore extends Error {}
/** One instance, made once: the scan of a large object throws it at every window's end. */
const NEED_MORE = new NeedMore('the text given ends inside a token');

class Cursor {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    /** Offset of `buf[0]` in the whole document, for the byte numbers of messages. */
    readonly base: number,
    /** `buf` ends where the document ends. */
    readonly final: boolean,
  ) {}

  /** The document's byte number of `pos`. */
  byte(at = this.pos): number {
    return this.base + at;
  }

  skipSpace(): number | undefined {
    const buf = this.buf;
    while (isSpace(buf[this.pos])) this.pos++;
    return buf[this.pos];
  }

  /** The text given has run out: the document is truncated, or the rest is still to come. */
  runOut(): LogShapeError | NeedMore {
    if (!this.final) return NEED_MORE;
    return new LogShapeError(
      `JSON ends early at byte ${this.byte(this.buf.length)} (truncated file?)`,
    );
  }

  /** `pos` is on an opening quote; leaves `pos` after the closing one. */
  skipString(): void {
    const buf = this.buf;
    let j = this.pos + 1;
    for (;;) {
      j = buf.indexOf(QUOTE, j);
      if (j < 0) throw this.runOut();
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
    throw this.runOut();
  }

  skipScalar(): void {
    const buf = this.buf;
    let i = this.pos;
    for (;;) {
      const c = buf[i];
      if (c === undefined) throw this.runOut();
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      i++;
    }
    if (i === this.pos) throw new LogShapeError(`unexpected character at byte ${this.byte(i)}`);
    this.pos = i;
  }

  skipValue(): void {
    const c = this.skipSpace();
    if (c === undefined) throw this.runOut();
    if (c === QUOTE) this.skipString();
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.skipNested();
    else this.skipScalar();
  }

  /** Skips spaces and the byte `char`. */
  expect(char: number, what: string): void {
    const c = this.skipSpace();
    if (c === undefined) throw this.runOut();
    if (c !== char) throw new LogShapeError(`expected ${what} at byte ${this.byte()}`);
    this.pos++;
  }
}

function describeTopLevel(c: number | undefined): string {
  if (c === OPEN_BRACKET) return 'the JSON document is an array, not {"Records": [...]}';
  return 'not a CloudTrail log: the file does not start with a JSON object';
}

/** Where the scan is in the document's grammar, between two tokens. */
type Phase =
  /** Before the top-level `{` (and the byte order mark). */
  | 'start'
  /** In the top-level object: a key next (or `}` if it is the first member). */
  | 'member'
  /** After a member's value: `,` or `}`. */
  | 'afterMember'
  /** In the Records array: a record next (or `]` if it is the first). */
  | 'record'
  /** After a record: `,` or `]`. */
  | 'afterRecord'
  /** After the document: only spaces may follow. */
  | 'end';

/** What one call of `RecordScanner.scan` found. */
export interface ScannedText extends RecordRanges {
  /** Bytes of the text given that are done with; the next call starts with the byte after them. */
  readonly consumed: number;
}

/** A scan of one document that can be fed its text in pieces. */
export class RecordScanner {
  #phase: Phase = 'start';
  /** The next member or record is the first of its object or array. */
  #first = true;
  #sawRecords = false;
  #records = 0;
  /** Document bytes consumed by earlier calls. */
  #consumed = 0;
  readonly #maxRecords: number;

  /** `maxRecords`: a document with more records is refused as soon as the next one is seen. */
  constructor(maxRecords = Number.POSITIVE_INFINITY) {
    this.#maxRecords = maxRecords;
  }

  /** Records found so far. */
  get records(): number {
    return this.#records;
  }

  /** The index of the record the unconsumed text starts with, if it starts with one. */
  get pendingRecord(): number | undefined {
    return this.#phase === 'record' ? this.#records : undefined;
  }

  /**
   * Scans `buf`, which continues the document right after the bytes consumed so far; `final`
   * when it reaches the document's end. Record offsets are into `buf`.
   */
  scan(buf: Buffer, final: boolean): ScannedText {
    const cur = new Cursor(buf, this.#consumed, final);
    const starts: number[] = [];
    const ends: number[] = [];
    let consumed = 0;
    for (;;) {
      if (this.#phase === 'start' && cur.byte() === 0 && buf[0] === 0xef) {
        if (buf.length < 3 && !final) break;
        if (buf[1] === 0xbb && buf[2] === 0xbf) cur.pos = 3;
      }
      const c = cur.skipSpace();
      consumed = cur.pos;
      if (c === undefined) break;
      try {
        this.#step(cur, c, starts, ends);
      } catch (error) {
        if (error !== NEED_MORE) throw error;
        break;
      }
    }
    if (final) this.#finish(cur);
    this.#consumed += consumed;
    return { starts, ends, consumed };
  }

  /** At the document's end, having consumed all of it. */
  #finish(cur: Cursor): void {
    if (this.#phase === 'start') throw new LogShapeError('the file is empty');
    if (this.#phase !== 'end') {
      const error = cur.runOut();
      if (error instanceof LogShapeError) throw error;
    }
    if (!this.#sawRecords) throw new LogShapeError('no "Records" array in the JSON document');
  }

  /** One step of the grammar, starting on the non-space byte `c`; all of it or nothing. */
  #step(cur: Cursor, c: number, starts: number[], ends: number[]): void {
    switch (this.#phase) {
      case 'start':
        if (c !== OPEN_BRACE) throw new LogShapeError(describeTopLevel(c));
        cur.pos++;
        this.#enter('member');
        return;
      case 'member': {
        if (c === CLOSE_BRACE && this.#first) {
          cur.pos++;
          this.#phase = 'end';
          return;
        }
        if (c !== QUOTE) throw new LogShapeError(`expected a key at byte ${cur.byte()}`);
        const keyStart = cur.pos + 1;
        cur.skipString();
        const isRecords = cur.buf.subarray(keyStart, cur.pos - 1).equals(RECORDS_KEY);
        cur.expect(COLON, "':'");
        if (!isRecords) {
          cur.skipValue();
          this.#phase = 'afterMember';
          return;
        }
        if (this.#sawRecords) throw new LogShapeError('the document has two "Records" keys');
        const open = cur.skipSpace();
        if (open === undefined) throw cur.runOut();
        if (open !== OPEN_BRACKET) throw new LogShapeError('"Records" is not an array');
        cur.pos++;
        this.#sawRecords = true;
        this.#enter('record');
        return;
      }
      case 'afterMember':
        if (c === COMMA) this.#phase = 'member';
        else if (c === CLOSE_BRACE) this.#phase = 'end';
        else throw new LogShapeError(`expected ',' or '}' at byte ${cur.byte()}`);
        cur.pos++;
        this.#first = false;
        return;
      case 'record': {
        if (c === CLOSE_BRACKET) {
          if (!this.#first) throw new LogShapeError('trailing comma in the "Records" array');
          cur.pos++;
          this.#phase = 'afterMember';
          return;
        }
        if (c !== OPEN_BRACE) {
          throw new LogShapeError(`record ${this.#records} is not a JSON object`);
        }
        if (this.#records >= this.#maxRecords) {
          throw new LogShapeError(
            `holds more than ${this.#maxRecords.toLocaleString('en-US')} records, the most one object may hold`,
          );
        }
        const start = cur.pos;
        cur.skipNested();
        starts.push(start);
        ends.push(cur.pos);
        this.#records++;
        this.#phase = 'afterRecord';
        return;
      }
      case 'afterRecord':
        if (c === COMMA) this.#phase = 'record';
        else if (c === CLOSE_BRACKET) this.#phase = 'afterMember';
        else throw new LogShapeError(`expected ',' or ']' after record ${this.#records - 1}`);
        cur.pos++;
        this.#first = false;
        return;
      case 'end':
        throw new LogShapeError(`unexpected data after the JSON document at byte ${cur.byte()}`);
      default:
        this.#phase satisfies never;
    }
  }

  #enter(phase: 'member' | 'record'): void {
    this.#phase = phase;
    this.#first = true;
  }
}

/**
 * Refuses the 0x01 byte, the worker's scratch-file separator: JSON allows no raw control
 * characters at all. `offset` is the document's byte number of `text[0]`.
 */
export function refuseControlBytes(text: Buffer, offset = 0): void {
  const control = text.indexOf(0x01);
  if (control >= 0) {
    throw new LogShapeError(`invalid JSON: raw control character 0x01 at byte ${offset + control}`);
  }
}

/** Where the records lie in their text: from the first one's start to the last one's end. */
function span({ starts, ends }: RecordRanges): { from: number; to: number } | undefined {
  const from = starts[0];
  const to = ends[ends.length - 1];
  return from === undefined || to === undefined ? undefined : { from, to };
}

/**
 * Refuses a raw line break inside a record just scanned from `text`. The scan has blanked those
 * between tokens, so any left is inside a string, where JSON forbids it (it must be written
 * `\n`); left there, it would split the record's line in the worker's NDJSON.
 */
export function refuseLineBreaksInRecords(
  text: Buffer,
  { starts, ends }: RecordRanges,
  firstRecord: number,
): void {
  const records = span({ starts, ends });
  if (records === undefined) return;
  const { from, to } = records;
  for (const lineBreak of [NEWLINE, RETURN]) {
    let record = 0;
    for (
      let at = text.indexOf(lineBreak, from);
      at >= 0 && at < to;
      at = text.indexOf(lineBreak, at + 1)
    ) {
      while ((ends[record] ?? to) <= at) record++;
      if (at >= (starts[record] ?? to)) {
        throw new LogShapeError(
          `record ${firstRecord + record} is not valid JSON: a string holds a raw line break (JSON writes it as \\n or \\r)`,
        );
      }
    }
  }
}

/**
 * Where the first byte that cannot be UTF-8 lies in `bytes` (which isUtf8 has refused): the
 * offset of the sequence it breaks. Only ever run on a record already known to be invalid.
 */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] ?? 0;
    const length =
      b < 0x80
        ? 1
        : b >= 0xc2 && b <= 0xdf
          ? 2
          : b >= 0xe0 && b <= 0xef
            ? 3
            : b <= 0xf4 && b >= 0xf0
              ? 4
              : 0;
    if (length === 0 || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

/**
 * Refuses a record that is not UTF-8 text. JSON text is UTF-8 (RFC 8259), and DuckDB's CSV
 * reader, which reads the worker's scratch file, fails on an invalid byte with an internal error
 * that takes the whole batch with it.
 */
export function refuseInvalidUtf8InRecords(
  text: Buffer,
  { starts, ends }: RecordRanges,
  firstRecord: number,
): void {
  const records = span({ starts, ends });
  if (records === undefined || isUtf8(text.subarray(records.from, records.to))) return;
  for (let i = 0; i < starts.length; i++) {
    const record = text.subarray(starts[i], ends[i]);
    if (isUtf8(record)) continue;
    const at = firstInvalidUtf8(record);
    const hex = (record[at] ?? 0).toString(16).padStart(2, '0');
    throw new LogShapeError(
      `record ${firstRecord + i} is not valid UTF-8 (byte 0x${hex} at byte ${at} of the record)`,
    );
  }
}

/** Scans the `Records` array of a whole CloudTrail log document held in `buf` (mutates line breaks). */
export function scanRecords(buf: Buffer): RecordRanges {
  refuseControlBytes(buf);
  const { starts, ends } = new RecordScanner().scan(buf, true);
  refuseLineBreaksInRecords(buf, { starts, ends }, 0);
  refuseInvalidUtf8InRecords(buf, { starts, ends }, 0);
  return { starts, ends };
}
