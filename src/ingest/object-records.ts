/**
 * Reads the records of one source object: decodes it, finds its records and hands them to a
 * sink. A log of usual size is decoded and scanned whole, then handed over in one call; a large
 * one (a burst file of hundreds of MB) flows through one reused window of a few MB, and the sink
 * is called once per window, so a worker's memory does not grow with the object.
 *
 * When a large object turns out to be unreadable part way through, the sink has already seen
 * its first records: the caller must then drop them (the worker leaves the object's rows out of
 * the COPY).
 */
import type { ObjectBody } from '../source/fetch-object.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, decodeObject } from './decode.js';
import { MAX_RECORD_BYTES } from './part-sql.js';
import {
  decodeEmbeddedRecord,
  LogShapeError,
  type RecordRanges,
  RecordScanner,
  refuseControlBytes,
  refuseInvalidUtf8InRecords,
  refuseLineBreaksInRecords,
} from './record-scanner.js';

/** Records handed to a sink: their ranges in the text, all of them events' own text. */
export interface SinkRecords extends RecordRanges {
  /** The records may hold line-break placeholders (record-scanner.ts), to restore in their text. */
  readonly placeholders: boolean;
}

/** Receives records: `ranges` index `text`; the first of them is record `firstRecord` of the object. */
export type RecordSink = (text: Buffer, records: SinkRecords, firstRecord: number) => void;

export interface ObjectRecords {
  readonly records: number;
  /** Bytes of the document text. */
  readonly decodedBytes: number;
}

export interface ReadLimits extends DecodeLimits {
  /** Size of the window a large object flows through; it must hold a whole record and a piece. */
  readonly windowBytes: number;
  /** Records longer than this are refused. */
  readonly maxRecordBytes: number;
  /** An object with more records than this is refused. */
  readonly maxRecords: number;
}

/**
 * Records one object may hold. Each record costs the worker a fixed amount (a scratch line, a
 * checksum, a row), so a document of tiny records (`{"Records":[{},{},…]}`: 4 million from 12 KB
 * of gzip) would otherwise cost far more than its size suggests. CloudTrail's records are 0.5–3
 * KB, so an object at the 1 GiB text bound holds well under this.
 */
export const MAX_OBJECT_RECORDS = 2_000_000;

export const DEFAULT_READ_LIMITS: ReadLimits = {
  ...DEFAULT_DECODE_LIMITS,
  windowBytes: 8 * 1024 * 1024,
  maxRecordBytes: MAX_RECORD_BYTES,
  maxRecords: MAX_OBJECT_RECORDS,
};

const MIB = 1024 * 1024;

function refuseOversizedRecords(
  { starts, ends }: RecordRanges,
  firstRecord: number,
  maxBytes: number,
): void {
  for (let i = 0; i < starts.length; i++) {
    const bytes = (ends[i] ?? 0) - (starts[i] ?? 0);
    if (bytes > maxBytes) {
      throw new LogShapeError(
        `record ${firstRecord + i} is ${(bytes / MIB).toFixed(1)} MiB, more than the ${maxBytes / MIB} MiB a CloudTrail event can be`,
      );
    }
  }
}

/** The reason when the text at the window's start does not fit in the window. */
function tooLargeForWindow(scanner: RecordScanner, limits: ReadLimits): LogShapeError {
  const windowMiB = (limits.windowBytes / MIB).toFixed(1);
  const record = scanner.pendingRecord;
  return new LogShapeError(
    record === undefined
      ? `a JSON value outside an array of records is larger than ${windowMiB} MiB`
      : `record ${record} is larger than ${windowMiB} MiB, more than the ${limits.maxRecordBytes / MIB} MiB a CloudTrail event can be`,
  );
}

/**
 * Hands the records of one scan to the sink, in order: runs of records read in place as they
 * are, runs of embedded ones (string literals) decoded into a text of their own first.
 */
function deliver(
  text: Buffer,
  found: RecordRanges & { readonly placeholders: boolean },
  firstRecord: number,
  sink: RecordSink,
  maxRecordBytes: number,
): void {
  const { starts, ends, embedded } = found;
  if (embedded === undefined) {
    sink(text, { starts, ends, placeholders: found.placeholders }, firstRecord);
    return;
  }
  for (let from = 0; from < starts.length;) {
    const isEmbedded = embedded[from] === true;
    let to = from + 1;
    while (to < starts.length && (embedded[to] === true) === isEmbedded) to++;
    if (!isEmbedded) {
      sink(
        text,
        {
          starts: starts.slice(from, to),
          ends: ends.slice(from, to),
          placeholders: found.placeholders,
        },
        firstRecord + from,
      );
    } else {
      const decoded = decodeRun(
        text,
        starts.slice(from, to),
        ends.slice(from, to),
        firstRecord + from,
      );
      refuseOversizedRecords(decoded, firstRecord + from, maxRecordBytes);
      sink(decoded.text, decoded, firstRecord + from);
    }
    from = to;
  }
}

/** Decodes embedded records' string literals into one text, with their ranges in it. */
function decodeRun(
  text: Buffer,
  literalStarts: readonly number[],
  literalEnds: readonly number[],
  firstRecord: number,
): SinkRecords & { text: Buffer } {
  const pieces: Buffer[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let placeholders = false;
  let offset = 0;
  literalStarts.forEach((start, i) => {
    const event = decodeEmbeddedRecord(text.subarray(start, literalEnds[i]), firstRecord + i);
    pieces.push(event.text);
    starts.push(offset + event.start);
    ends.push(offset + event.end);
    offset += event.text.length;
    placeholders ||= event.placeholders;
  });
  return { text: Buffer.concat(pieces, offset), starts, ends, placeholders };
}

/** One window per worker thread, reused from object to object (no fresh pages to fault in). */
let spareWindow: Buffer | undefined;

function takeWindow(bytes: number): Buffer {
  const window = spareWindow?.length === bytes ? spareWindow : Buffer.allocUnsafe(bytes);
  spareWindow = undefined;
  return window;
}

/**
 * Reads the object's records into `sink`; throws LogShapeError with a reason when the object is
 * not a readable CloudTrail log.
 */
export async function readObjectRecords(
  body: ObjectBody,
  sink: RecordSink,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<ObjectRecords> {
  const decoded = decodeObject(body, limits);
  const scanner = new RecordScanner(limits.maxRecords);
  const scan = (text: Buffer, final: boolean): number => {
    const firstRecord = scanner.records;
    const found = scanner.scan(text, final);
    if (found.starts.length > 0) {
      refuseOversizedRecords(found, firstRecord, limits.maxRecordBytes);
      refuseLineBreaksInRecords(text, found, firstRecord);
      refuseInvalidUtf8InRecords(text, found, firstRecord);
      deliver(text, found, firstRecord, sink, limits.maxRecordBytes);
    }
    return found.consumed;
  };
  if ('whole' in decoded) {
    refuseControlBytes(decoded.whole);
    scan(decoded.whole, true);
    return { records: scanner.records, decodedBytes: decoded.whole.length };
  }
  const window = takeWindow(limits.windowBytes);
  try {
    let filled = 0;
    let decodedBytes = 0;
    const scanWindow = (final: boolean): void => {
      const consumed = scan(window.subarray(0, filled), final);
      window.copyWithin(0, consumed, filled);
      filled -= consumed;
    };
    for await (const piece of decoded.pieces) {
      refuseControlBytes(piece, decodedBytes);
      decodedBytes += piece.length;
      for (let from = 0; from < piece.length;) {
        if (filled === window.length) {
          scanWindow(false);
          if (filled === window.length) throw tooLargeForWindow(scanner, limits);
        }
        const copied = piece.copy(window, filled, from);
        filled += copied;
        from += copied;
      }
    }
    scanWindow(true);
    return { records: scanner.records, decodedBytes };
  } finally {
    spareWindow = window;
  }
}
