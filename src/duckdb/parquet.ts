/**
 * The Parquet writer settings: one definition of the lake's files, used by ingest, compaction and
 * the catalog's rewrites of parts.
 */
import { quotedString } from './sql-text.js';

export interface ParquetOptions {
  readonly compression: 'zstd' | 'snappy' | 'lz4' | 'uncompressed';
  /** zstd level: 1 writes about 15% faster than DuckDB's default 3 and, on CloudTrail, no larger. */
  readonly compressionLevel?: number;
  /**
   * DuckDB's STRING_DICTIONARY_PAGE_SIZE_LIMIT. Dictionary pages pay off for repetitive columns
   * (eventSource, sourceObject) but DuckDB's attempt on the large eventJson text costs more time
   * than zstd saves; a limit of 1 skips dictionaries for every string column.
   */
  readonly stringDictionaryPageSizeLimit?: number;
  /**
   * DuckDB's ROW_GROUP_SIZE_BYTES: a row group is closed once its data reaches this size. The
   * writer buffers a whole row group, so without it one large object (a 190 MB burst file makes a
   * 120k-row group) needs hundreds of MB and fails the worker's memory limit.
   */
  readonly rowGroupBytes?: string;
}

/** The lake's codec, for every Parquet file ctlake writes. */
export const LAKE_PARQUET_CODEC: ParquetOptions = { compression: 'zstd', compressionLevel: 1 };

export const DEFAULT_PARQUET_OPTIONS: ParquetOptions = {
  ...LAKE_PARQUET_CODEC,
  rowGroupBytes: '16MB',
};

/**
 * Parquet files that live only within one command and are read back once (compaction's pair
 * files): compressing and dictionary-encoding them costs more than it saves.
 */
export const SCRATCH_PARQUET_OPTIONS: ParquetOptions = {
  compression: 'uncompressed',
  stringDictionaryPageSizeLimit: 1,
  rowGroupBytes: DEFAULT_PARQUET_OPTIONS.rowGroupBytes,
};

/** The COPY options for `options`, from FORMAT on. */
export function parquetCopyOptions(options: ParquetOptions): string {
  return (
    `FORMAT parquet, COMPRESSION ${options.compression}` +
    (options.compressionLevel === undefined
      ? ''
      : `, COMPRESSION_LEVEL ${options.compressionLevel}`) +
    (options.stringDictionaryPageSizeLimit === undefined
      ? ''
      : `, STRING_DICTIONARY_PAGE_SIZE_LIMIT ${options.stringDictionaryPageSizeLimit}`) +
    (options.rowGroupBytes === undefined
      ? ''
      : `, ROW_GROUP_SIZE_BYTES ${quotedString(options.rowGroupBytes)}`)
  );
}
