/**
 * The worker pool. Workers hold no DuckDB state between tasks (see worker.ts), so `close` is
 * only ever called once every task has settled and terminating them is safe.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { packagePath } from '../util/package-files.js';
import type { IngestTask, TaskResult } from './task.js';

function workerFile(): string {
  const sibling = fileURLToPath(new URL('./worker.js', import.meta.url));
  // Under the test runner this module is TypeScript; the workers always run the built code.
  return existsSync(sibling) ? sibling : packagePath('dist', 'src', 'ingest', 'worker.js');
}

/** The worker module's export that answers once the thread has loaded. */
const LOADED_TASK = 'loaded';

export class IngestPool {
  readonly #pool: Piscina<IngestTask, TaskResult>;
  readonly #threads: number;

  constructor(threads: number) {
    this.#threads = threads;
    this.#pool = new Piscina<IngestTask, TaskResult>({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
  }

  run(task: IngestTask): Promise<TaskResult> {
    return this.#pool.run(task);
  }

  async close(): Promise<void> {
    // A thread terminated while it is still loading the worker module (DuckDB's native addon
    // included) aborts the whole process, and an ingest with nothing to do closes the pool right
    // after starting it. A task runs only on a loaded thread, and idle threads take one each.
    await Promise.all(
      Array.from({ length: this.#threads }, () =>
        this.#pool.run(undefined as unknown as IngestTask, { name: LOADED_TASK }),
      ),
    );
    await this.#pool.destroy();
  }
}
