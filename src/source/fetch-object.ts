/**
 * Reads the stored bytes of an object. Runs inside ingest workers, so the bytes never cross a
 * thread boundary.
 */
import { readFile } from 'node:fs/promises';
import type { ObjectLocation } from './trail-object.js';

export async function fetchObjectBytes(location: ObjectLocation): Promise<Buffer> {
  return readFile(location.path);
}
