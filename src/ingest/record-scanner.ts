/**
 * Finds the byte range of every record in a document of CloudTrail events without building
 * JavaScript objects. Parsing each record is left to DuckDB, in C++; this pass only checks the
 * document's outer shape, so that a wrong-shaped file gets a reason a person can act on, and
 * counts the records of each object before anything is written.
 *
 * The forms events travel in (each recognised from the content, not the name):
 * - CloudTrail's own log, `{"Records":[{…},…]}`, compact or pretty-printed (the fast path: each
 *   element is a record, nothing inside it is looked at);
 * - JSON values one after another: NDJSON / JSON Lines, a bare array of events, a single event,
 *   concatenated documents (lookup-events pages, Firehose's concatenated payloads);
 * - containers of entries: `aws cloudtrail lookup-events` (`{"Events":[{"CloudTrailEvent":"…"}]}`),
 *   `aws logs filter-log-events`/`get-log-events` (`{"events":[{"message":"…"}]}`), CloudWatch
 *   Logs subscription payloads (`{"logEvents":[{"message":"…"}]}`);
 * - EventBridge events whose detail-type ends in "via CloudTrail" (the record is `detail`);
 * - CloudWatch Logs' S3 export lines, `<ISO time> <event JSON>`.
 * An entry's record is the entry itself when it has an event's keys, its `detail` for an
 * EventBridge event, or the JSON string in `CloudTrailEvent` or `message` ("embedded": the
 * reader decodes it, and the record's text is the string's value).
 *
 * The scan can be fed a document in pieces (`RecordScanner`): a log of hundreds of MB is read
 * through a small window instead of being held whole. Each call reports the records that lie
 * wholly in the text given, and how much of the text it has consumed; the rest is handed back,
 * with more text after it, on the next call.
 *
 * Strings are skipped with `indexOf` (memchr), so the pass costs far less than JSON.parse. Line
 * breaks between tokens are replaced in place by the placeholder bytes 0x02 (LF) and 0x03 (CR),
 * which JSON text cannot hold raw: a record must fit on one line of the scratch file the worker
 * hands to DuckDB, and the placeholders are turned back into the very same bytes there
 * (`restoreLineBreaks`), so a record's text and checksum are its bytes exactly as read.
 */
import { isUtf8 } from 'node:buffer';

export interface RecordRanges {
  /** starts[i]..ends[i] (exclusive) is record i. */
  readonly starts: number[];
  readonly ends: number[];
  /**
   * The records whose range is a JSON string literal holding the event's text (lookup-events,
   * CloudWatch Logs), by position in `starts`; absent when there are none.
   */
  readonly embedded?: readonly boolean[];
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
/** What a line feed between tokens becomes in a record's scratch line (JSON cannot hold it raw). */
export const LINE_FEED_PLACEHOLDER = 0x02;
/** What a carriage return between tokens becomes. */
export const CARRIAGE_RETURN_PLACEHOLDER = 0x03;

function isSpace(c: number | undefined): boolean {
  return (
    c === SPACE ||
    c === NEWLINE ||
    c === RETURN ||
    c === TAB ||
    // A text scanned again (a window's unconsumed rest) holds the placeholders of the first pass.
    c === LINE_FEED_PLACEHOLDER ||
    c === CARRIAGE_RETURN_PLACEHOLDER
  );
}

/** Thrown inside a step when the text given ends before the step does and more may follow. */
class NeedMore extends Error {}
/** One instance, made once: the scan of a large object throws it at every window's end. */
const NEED_MORE = new NeedMore('the text given ends inside a token');

class Cursor {
  pos = 0;
  /** Line breaks replaced by placeholders so far. */
  placeholders = 0;
  /**
   * `skipSpace` is inside an object that may be a record (an entry being walked), so its line
   * breaks must become placeholders. Between records they need not, and a document's records
   * then need no restoring (NDJSON's line ends are whitespace between records).
   */
  inEntry = false;
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

  /** Skips whitespace, in an entry replacing line breaks by their placeholders. */
  skipSpace(): number | undefined {
    const buf = this.buf;
    for (;;) {
      const c = buf[this.pos];
      if ((c === NEWLINE || c === RETURN) && this.inEntry) this.#placeLineBreak(this.pos);
      else if (!isSpace(c)) return c;
      this.pos++;
    }
  }

  #placeLineBreak(at: number): void {
    this.buf[at] = this.buf[at] === NEWLINE ? LINE_FEED_PLACEHOLDER : CARRIAGE_RETURN_PLACEHOLDER;
    this.placeholders++;
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
      } else if (c === NEWLINE || c === RETURN) this.#placeLineBreak(i);
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

/** The forms ctlake reads, for the reason given when a document is in none of them. */
export const EVENT_FORMS_HINT =
  'ctlake reads {"Records":[…]} logs, NDJSON or a JSON array of events, a single event, ' +
  'lookup-events output, CloudWatch Logs events and export lines, EventBridge events';

/** Keys of a top-level object whose array value holds records or entries. */
const CONTAINER_KEYS: ReadonlyMap<string, ArrayKind> = new Map([
  ['Records', 'records'],
  ['Events', 'entries'],
  ['events', 'entries'],
  ['logEvents', 'entries'],
]);

/**
 * Keys every CloudTrail event has: any of them, as CloudTrail spells it or lower-cased (Athena's
 * exports), marks an object as an event. (Not any case: lookup-events' entries spell theirs
 * `EventName`, `EventTime`…)
 */
const EVENT_KEYS = new Set(
  ['eventVersion', 'eventTime', 'eventSource', 'eventName', 'eventID'].flatMap((key) => [
    key,
    key.toLowerCase(),
  ]),
);

/**
 * `records`: each element is an event (CloudTrail's log). `entries`: each is classified.
 * `skipped`: a CloudWatch Logs subscription's control message (its log events are CloudWatch's
 * own health checks, not CloudTrail's: Firehose delivers one when the subscription is created).
 */
type ArrayKind = 'records' | 'entries' | 'skipped';

/** What the members of one object say about it, gathered in one pass over them. */
interface ObjectMembers {
  readonly start: number;
  readonly end: number;
  /** It has one of an event's own keys. */
  eventKey: boolean;
  /** Value ranges of the members that can carry an event. */
  detailType?: ValueRange;
  detail?: ValueRange;
  cloudTrailEvent?: ValueRange;
  message?: ValueRange;
  messageType?: ValueRange;
  /** The first container key met at its array's opening bracket (top-level objects only). */
  container?: { readonly key: string; readonly arrayStart: number };
}

interface ValueRange {
  readonly start: number;
  readonly end: number;
  /** The value's first byte: `"` for a string, `{` for an object. */
  readonly first: number;
}

/** A record found in an entry: its range, and whether it is a string literal to decode. */
interface EntryRecord {
  readonly start: number;
  readonly end: number;
  readonly embedded: boolean;
}

/** Longest EventBridge detail-type quoted back in a reason. */
const MAX_QUOTED_TYPE = 60;

/** The record an entry carries, or the reason it carries none. */
function entryRecord(members: ObjectMembers, buf: Buffer, index: number): EntryRecord {
  const { start, end } = members;
  if (members.eventKey) return { start, end, embedded: false };
  const { detailType, detail } = members;
  if (detailType?.first === QUOTE && detail !== undefined) {
    const type = String(JSON.parse(buf.toString('utf8', detailType.start, detailType.end)));
    if (!type.endsWith('via CloudTrail')) {
      const quoted = JSON.stringify(type.slice(0, MAX_QUOTED_TYPE));
      throw new LogShapeError(
        `record ${index} is an EventBridge event of type ${quoted}, not one "via CloudTrail"`,
      );
    }
    if (detail.first !== OPEN_BRACE)
      throw new LogShapeError(`record ${index}: the EventBridge event's detail is not an object`);
    return { start: detail.start, end: detail.end, embedded: false };
  }
  const text = members.cloudTrailEvent ?? members.message;
  if (text?.first === QUOTE) return { start: text.start, end: text.end, embedded: true };
  // Some tools print the event parsed rather than as a string: then it is read in place.
  if (text?.first === OPEN_BRACE) return { start: text.start, end: text.end, embedded: false };
  throw new LogShapeError(`record ${index} is not a CloudTrail event (${EVENT_FORMS_HINT})`);
}

/** The member keys whose values `walkObject` keeps, by the byte length of the key. */
const WATCHED_KEYS: ReadonlyMap<
  string,
  'detailType' | 'detail' | 'cloudTrailEvent' | 'message' | 'messageType'
> = new Map([
  ['detail-type', 'detailType'],
  ['detail', 'detail'],
  ['CloudTrailEvent', 'cloudTrailEvent'],
  ['message', 'message'],
  ['messageType', 'messageType'],
]);
const CONTROL_MESSAGE = Buffer.from('"CONTROL_MESSAGE"');
/** Longer keys are none of the above and no event key: not worth decoding. */
const LONGEST_WATCHED_KEY = 16;

/**
 * Walks the members of the object at `cur.pos` (on `{`), noting what `entryRecord` needs. With
 * `containers`, stops at the first member that is a container key with an array value, leaving
 * `cur.pos` after its `[`; otherwise leaves `cur.pos` after the object's `}`.
 */
function walkObject(cur: Cursor, containers: boolean): ObjectMembers {
  cur.inEntry = true;
  try {
    return walkMembers(cur, containers);
  } finally {
    cur.inEntry = false;
  }
}

function walkMembers(cur: Cursor, containers: boolean): ObjectMembers {
  const buf = cur.buf;
  const members: ObjectMembers = { start: cur.pos, end: -1, eventKey: false };
  cur.pos++;
  let c = cur.skipSpace();
  if (c === CLOSE_BRACE) {
    cur.pos++;
    return { ...members, end: cur.pos };
  }
  for (;;) {
    if (c === undefined) throw cur.runOut();
    if (c !== QUOTE) throw new LogShapeError(`expected a key at byte ${cur.byte()}`);
    const keyStart = cur.pos + 1;
    cur.skipString();
    const keyLength = cur.pos - 1 - keyStart;
    const key =
      keyLength <= LONGEST_WATCHED_KEY ? buf.toString('latin1', keyStart, cur.pos - 1) : '';
    cur.expect(COLON, "':'");
    const first = cur.skipSpace();
    if (first === undefined) throw cur.runOut();
    if (containers && CONTAINER_KEYS.has(key)) {
      if (first !== OPEN_BRACKET) throw new LogShapeError(`"${key}" is not an array`);
      cur.pos++;
      return { ...members, container: { key, arrayStart: cur.pos } };
    }
    const valueStart = cur.pos;
    cur.skipValue();
    const watched = WATCHED_KEYS.get(key);
    if (watched !== undefined) members[watched] = { start: valueStart, end: cur.pos, first };
    else if (EVENT_KEYS.has(key)) members.eventKey = true;
    c = cur.skipSpace();
    if (c === COMMA) {
      cur.pos++;
      c = cur.skipSpace();
      continue;
    }
    if (c === CLOSE_BRACE) {
      cur.pos++;
      return { ...members, end: cur.pos };
    }
    if (c === undefined) throw cur.runOut();
    throw new LogShapeError(`expected ',' or '}' at byte ${cur.byte()}`);
  }
}

/** `YYYY-MM-DDT…`: the time CloudWatch Logs' S3 export writes before each event. */
const EXPORT_TIME = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/;
/** Longest time token read before an exported event. */
const MAX_EXPORT_TIME_BYTES = 40;

/** Where the time token at `from` ends (a space or tab), if it ends within the longest time. */
function exportTimeEnd(buf: Buffer, from: number): number | undefined {
  const last = Math.min(buf.length, from + MAX_EXPORT_TIME_BYTES + 1);
  for (let i = from; i < last; i++) {
    const c = buf[i];
    if (c === SPACE || c === TAB) return i;
  }
  return undefined;
}

/** Where the scan is in the grammar, between two tokens. */
type Phase =
  /** Before a top-level value (the first one after the byte order mark), or at the end. */
  | 'top'
  /** In a top-level object holding a records array: a key next. */
  | 'member'
  /** After such a member's value: `,` or `}`. */
  | 'afterMember'
  /** In an array of records or entries: an element next (or `]` if it is the first). */
  | 'element'
  /** After an element: `,` or `]`. */
  | 'afterElement';

/** What one call of `RecordScanner.scan` found. */
export interface ScannedText extends RecordRanges {
  /** Bytes of the text given that are done with; the next call starts with the byte after them. */
  readonly consumed: number;
  /**
   * The document has had line breaks replaced by placeholders (in this call or an earlier one):
   * its records may hold them, and their text must be restored before it is used.
   */
  readonly placeholders: boolean;
}

/** A scan of one document that can be fed its text in pieces. */
export class RecordScanner {
  #phase: Phase = 'top';
  /** The next member or element is the first of its object or array. */
  #first = true;
  /** The kind of the array being scanned, and whether it is a top-level object's member. */
  #array: ArrayKind = 'records';
  /** The array's key in its top-level object; undefined for a top-level array. */
  #arrayKey: string | undefined;
  /** Container keys met in the current top-level object (each may appear once). */
  #containersSeen = new Set<string>();
  #topValues = 0;
  #records = 0;
  #placeholders = false;
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
    return this.#phase === 'element' ? this.#records : undefined;
  }

  /**
   * Scans `buf`, which continues the document right after the bytes consumed so far; `final`
   * when it reaches the document's end. Record offsets are into `buf`.
   */
  scan(buf: Buffer, final: boolean): ScannedText {
    const cur = new Cursor(buf, this.#consumed, final);
    const found: Found = { starts: [], ends: [], embedded: undefined };
    let consumed = 0;
    for (;;) {
      if (this.#phase === 'top' && cur.byte() === 0 && buf[0] === 0xef) {
        if (buf.length < 3 && !final) break;
        if (buf[1] === 0xbb && buf[2] === 0xbf) cur.pos = 3;
      }
      const c = cur.skipSpace();
      consumed = cur.pos;
      if (c === undefined) break;
      try {
        this.#step(cur, c, found);
      } catch (error) {
        if (error !== NEED_MORE) throw error;
        break;
      }
    }
    if (cur.placeholders > 0) this.#placeholders = true;
    if (final) this.#finish(cur);
    this.#consumed += consumed;
    const { starts, ends, embedded } = found;
    return {
      starts,
      ends,
      ...(embedded ? { embedded } : {}),
      consumed,
      placeholders: this.#placeholders,
    };
  }

  /** At the document's end, having consumed all of it. */
  #finish(cur: Cursor): void {
    if (this.#phase !== 'top') {
      const error = cur.runOut();
      if (error instanceof LogShapeError) throw error;
    }
    if (this.#topValues === 0) throw new LogShapeError('the file is empty');
  }

  #push(found: Found, start: number, end: number, embedded: boolean): void {
    if (this.#records >= this.#maxRecords) {
      throw new LogShapeError(
        `holds more than ${this.#maxRecords.toLocaleString('en-US')} records, the most one object may hold`,
      );
    }
    if (embedded && found.embedded === undefined) found.embedded = found.starts.map(() => false);
    found.starts.push(start);
    found.ends.push(end);
    found.embedded?.push(embedded);
    this.#records++;
  }

  /** One step of the grammar, starting on the non-space byte `c`; all of it or nothing. */
  #step(cur: Cursor, c: number, found: Found): void {
    switch (this.#phase) {
      case 'top':
        this.#topValue(cur, c, found);
        return;
      case 'member': {
        if (c !== QUOTE) throw new LogShapeError(`expected a key at byte ${cur.byte()}`);
        const keyStart = cur.pos + 1;
        cur.skipString();
        const key = cur.buf.toString('latin1', keyStart, cur.pos - 1);
        cur.expect(COLON, "':'");
        const kind = CONTAINER_KEYS.get(key);
        if (kind === undefined) {
          cur.skipValue();
          this.#phase = 'afterMember';
          return;
        }
        const open = cur.skipSpace();
        if (open === undefined) throw cur.runOut();
        if (open !== OPEN_BRACKET) throw new LogShapeError(`"${key}" is not an array`);
        cur.pos++;
        this.#enterArray(kind, key);
        return;
      }
      case 'afterMember':
        if (c === COMMA) this.#phase = 'member';
        else if (c === CLOSE_BRACE) this.#endTopValue();
        else throw new LogShapeError(`expected ',' or '}' at byte ${cur.byte()}`);
        cur.pos++;
        return;
      case 'element': {
        if (c === CLOSE_BRACKET) {
          if (!this.#first) {
            const array =
              this.#arrayKey === undefined ? 'the array' : `the "${this.#arrayKey}" array`;
            throw new LogShapeError(`trailing comma in ${array}`);
          }
          cur.pos++;
          this.#endArray();
          return;
        }
        const index = this.#records;
        if (c !== OPEN_BRACE) throw new LogShapeError(`record ${index} is not a JSON object`);
        if (this.#array === 'records') {
          const start = cur.pos;
          cur.skipNested();
          this.#push(found, start, cur.pos, false);
        } else if (this.#array === 'skipped') {
          cur.skipNested();
        } else {
          const record = entryRecord(walkObject(cur, false), cur.buf, index);
          this.#push(found, record.start, record.end, record.embedded);
        }
        this.#phase = 'afterElement';
        this.#first = false;
        return;
      }
      case 'afterElement':
        if (c === COMMA) this.#phase = 'element';
        else if (c === CLOSE_BRACKET) this.#endArray();
        else throw new LogShapeError(`expected ',' or ']' after record ${this.#records - 1}`);
        cur.pos++;
        return;
      default:
        this.#phase satisfies never;
    }
  }

  /** A top-level value: an object (a container or one entry), an array, or an export line. */
  #topValue(cur: Cursor, c: number, found: Found): void {
    const index = this.#records;
    if (c === OPEN_BRACE) {
      const members = walkObject(cur, true);
      const { container } = members;
      if (container !== undefined) {
        cur.pos = container.arrayStart;
        this.#containersSeen = new Set();
        const { messageType } = members;
        const control =
          messageType !== undefined &&
          cur.buf.subarray(messageType.start, messageType.end).equals(CONTROL_MESSAGE);
        const kind = CONTAINER_KEYS.get(container.key) ?? 'entries';
        this.#enterArray(control ? 'skipped' : kind, container.key);
        return;
      }
      const record = this.#topEntry(members, cur.buf, index);
      this.#push(found, record.start, record.end, record.embedded);
      this.#endTopValue();
      return;
    }
    if (c === OPEN_BRACKET) {
      cur.pos++;
      this.#enterArray('entries');
      return;
    }
    if (c >= 0x30 && c <= 0x39) {
      const timeStart = cur.pos;
      const space = exportTimeEnd(cur.buf, timeStart);
      if (space === undefined && !cur.final && cur.buf.length - timeStart <= MAX_EXPORT_TIME_BYTES)
        throw NEED_MORE;
      const time = space === undefined ? '' : cur.buf.toString('latin1', timeStart, space);
      if (space === undefined || !EXPORT_TIME.test(time)) throw this.#notAForm(cur);
      cur.pos = space;
      const open = cur.skipSpace();
      if (open === undefined) throw cur.runOut();
      if (open !== OPEN_BRACE) {
        throw new LogShapeError(
          `record ${index}: no JSON object after the time at byte ${cur.byte()}`,
        );
      }
      const record = entryRecord(walkObject(cur, false), cur.buf, index);
      this.#push(found, record.start, record.end, record.embedded);
      this.#endTopValue();
      return;
    }
    throw this.#notAForm(cur);
  }

  /** A lone top-level object that holds no records array: one entry, or a document of none. */
  #topEntry(members: ObjectMembers, buf: Buffer, index: number): EntryRecord {
    const carriesEvent =
      members.eventKey ||
      members.detail !== undefined ||
      members.cloudTrailEvent !== undefined ||
      members.message !== undefined;
    if (!carriesEvent && this.#topValues === 0)
      throw new LogShapeError(`no CloudTrail events in the JSON object (${EVENT_FORMS_HINT})`);
    return entryRecord(members, buf, index);
  }

  #notAForm(cur: Cursor): LogShapeError {
    if (this.#topValues > 0)
      return new LogShapeError(`unexpected data after the JSON document at byte ${cur.byte()}`);
    return new LogShapeError(
      `not CloudTrail events: the file does not start with a JSON value (${EVENT_FORMS_HINT})`,
    );
  }

  #enterArray(kind: ArrayKind, key?: string): void {
    if (key !== undefined) {
      if (this.#containersSeen.has(key))
        throw new LogShapeError(`the document has two "${key}" keys`);
      this.#containersSeen.add(key);
    }
    this.#array = kind;
    this.#arrayKey = key;
    this.#phase = 'element';
    this.#first = true;
  }

  #endArray(): void {
    if (this.#arrayKey !== undefined) this.#phase = 'afterMember';
    else this.#endTopValue();
  }

  #endTopValue(): void {
    this.#phase = 'top';
    this.#topValues++;
  }
}

/** The records one scan call finds, as it collects them. */
interface Found {
  readonly starts: number[];
  readonly ends: number[];
  embedded: boolean[] | undefined;
}

/**
 * Refuses the 0x01 byte, the worker's scratch-file separator, and the line-break placeholders
 * 0x02 and 0x03: JSON allows no raw control characters at all. `offset` is the document's byte
 * number of `text[0]`.
 */
export function refuseControlBytes(text: Buffer, offset = 0): void {
  for (const byte of [0x01, LINE_FEED_PLACEHOLDER, CARRIAGE_RETURN_PLACEHOLDER]) {
    const at = text.indexOf(byte);
    if (at >= 0) {
      throw new LogShapeError(
        `invalid JSON: raw control character 0x0${String(byte)} at byte ${offset + at}`,
      );
    }
  }
}

/** Whether a record's text holds line-break placeholders. */
export function holdsPlaceholders(record: Buffer): boolean {
  return record.includes(LINE_FEED_PLACEHOLDER) || record.includes(CARRIAGE_RETURN_PLACEHOLDER);
}

/** A copy of a record's text with its line breaks back in place of their placeholders. */
export function restoreLineBreaks(record: Buffer): Buffer {
  const text = Buffer.from(record);
  for (const [placeholder, lineBreak] of [
    [LINE_FEED_PLACEHOLDER, NEWLINE],
    [CARRIAGE_RETURN_PLACEHOLDER, RETURN],
  ] as const) {
    for (let at = text.indexOf(placeholder); at >= 0; at = text.indexOf(placeholder, at + 1)) {
      text[at] = lineBreak;
    }
  }
  return text;
}

/**
 * The text of an embedded record (the value of the JSON string literal `literal`), ready for the
 * scratch file: line breaks between its tokens replaced by placeholders, and the range of the
 * event object within it (spaces around it left out). `index` names the record in reasons.
 */
export function decodeEmbeddedRecord(
  literal: Buffer,
  index: number,
): { text: Buffer; start: number; end: number; placeholders: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(literal.toString('utf8'));
  } catch (error) {
    throw new LogShapeError(
      `record ${index}: the string holding the event is not valid JSON (${(error as Error).message})`,
    );
  }
  const text = Buffer.from(String(value));
  const notAnEvent = (): LogShapeError =>
    new LogShapeError(
      `record ${index}: the string that should hold the event is not a JSON object`,
    );
  try {
    refuseControlBytes(text);
  } catch (error) {
    throw new LogShapeError(`record ${index}: ${(error as Error).message} of its event text`);
  }
  const cur = new Cursor(text, 0, true);
  if (cur.skipSpace() !== OPEN_BRACE) throw notAnEvent();
  const start = cur.pos;
  try {
    cur.skipNested();
  } catch (error) {
    if (error instanceof LogShapeError) throw notAnEvent();
    throw error;
  }
  const end = cur.pos;
  if (cur.skipSpace() !== undefined) throw notAnEvent();
  refuseLineBreaksInRecords(text, { starts: [start], ends: [end] }, index);
  return { text, start, end, placeholders: cur.placeholders > 0 };
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

/**
 * Scans a whole document held in `buf` (replacing line breaks between tokens by placeholders):
 * the records' ranges, embedded ones still as string literals.
 */
export function scanRecords(buf: Buffer): ScannedText {
  refuseControlBytes(buf);
  const found = new RecordScanner().scan(buf, true);
  refuseLineBreaksInRecords(buf, found, 0);
  refuseInvalidUtf8InRecords(buf, found, 0);
  return found;
}
