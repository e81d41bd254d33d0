/**
 * Where a streamed result goes: `--out FILE` opened before any work (so a wrong path is a
 * one-line error, not a lost run), or stdout; and writes that wait for the reader.
 */
import { once } from 'node:events';
import { open, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { UsageError, errnoReason } from '../errors.js';

async function openOutFile(file: string): Promise<Writable> {
  const handle = await open(file, 'w').catch((error: unknown) => {
    throw new UsageError(`cannot write --out ${file}: ${errnoReason(error)}`, { cause: error });
  });
  const stream = handle.createWriteStream();
  stream.on('error', () => undefined); // reported by the writer that awaits it
  return stream;
}

/** Ends a file's stream and waits until it is written (one its writer ended already is done). */
async function finishOut(stream: Writable): Promise<void> {
  if (stream.writableFinished) return;
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(resolve);
  });
}

/**
 * `write` into the `--out` file, then the file ended; when anything fails, the partial file is
 * removed, so that none can pass for a whole result.
 */
export async function writeOutFile<T>(
  file: string,
  write: (out: Writable) => Promise<T>,
): Promise<T> {
  const out = await openOutFile(file);
  try {
    const result = await write(out);
    await finishOut(out);
    return result;
  } catch (error) {
    out.destroy();
    await rm(file, { force: true });
    throw error;
  }
}

/** Writes `text`, waiting while the output's buffer is full. */
export async function writeText(out: Writable, text: string): Promise<void> {
  if (out.errored) throw out.errored;
  // events.once rejects on 'error': a failed output ends the writer instead of waiting forever.
  if (!out.write(text)) await once(out, 'drain');
}
