/**
 * The error vocabulary ctlake shows to users. Every error a user can cause or meet carries a
 * stable `code` and a one-line message that names the object or option at fault; the CLI maps
 * codes to exit statuses and prints the message alone, never a stack trace.
 */
export type CtlakeErrorCode =
  /** A flag, argument or parameter is wrong (exit status 2). */
  | 'USAGE'
  /** A source (a bucket, a prefix) cannot be listed at all. */
  | 'SOURCE_UNREACHABLE'
  /** Another ctlake process writes to the lake. */
  | 'LAKE_BUSY'
  /** The lake is missing, damaged, or not a lake. */
  | 'LAKE_INVALID'
  /** The machine failed, not the input: a full disk, no file handles, an unwritable scratch. */
  | 'MACHINE_FAULT'
  | 'QUERY_REFUSED'
  | 'QUERY_FAILED'
  /** A named query file (the pack's, or a user's) is not well formed. */
  | 'NAMED_QUERY_INVALID'
  | 'OUT_OF_MEMORY'
  /** Ctrl-C or SIGTERM stopped the work (exit status 130). */
  | 'INTERRUPTED';

export class CtlakeError extends Error {
  override readonly name: string = 'CtlakeError';
  readonly code: CtlakeErrorCode;

  constructor(code: CtlakeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A flag, argument or parameter the user gave is wrong; exit status 2. */
export class UsageError extends CtlakeError {
  override readonly name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
  }
}

/** Another ctlake process holds the lake's catalog for writing. */
export class LakeBusyError extends CtlakeError {
  override readonly name = 'LakeBusyError';
  constructor(lakeDir: string, detail: string, options?: { cause?: unknown }) {
    super(
      'LAKE_BUSY',
      `lake ${lakeDir} is in use by another ctlake ingest or compact (${detail})`,
      options,
    );
  }
}

/** A user query was refused by the sandbox or failed in DuckDB. */
export class QueryError extends CtlakeError {
  override readonly name = 'QueryError';
}

/**
 * A fault of the machine rather than of the input (a full disk, no file handles left), as the
 * line to report; undefined for any other error. A run stops on one, instead of recording every
 * later object as unreadable.
 */
export function machineFault(error: unknown): string | undefined {
  const line = firstLine(error);
  return /\b(ENOSPC|EDQUOT|EROFS|EMFILE|ENFILE)\b|No space left on device/.test(line)
    ? line
    : undefined;
}

/** Why a file operation failed, for one line: its errno code (ENOENT, EISDIR…), else the message. */
export function errnoReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === 'string' ? code : firstLine(error);
}

/** The first line of an error's message: DuckDB messages carry context lines users don't need. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]?.trim() ?? text;
}
