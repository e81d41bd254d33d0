/** `ctlake ddl`: flags → lakeDdl() → the statements on stdout. */
import { type LakeEngine, lakeDdl } from '../../scale/ddl.js';
import { EXIT_OK } from '../terminal.js';

export interface DdlFlags {
  engine: LakeEngine;
  lake: string;
  location?: string;
  table?: string;
}

export function ddlCommand(flags: DdlFlags): number {
  process.stdout.write(
    lakeDdl({
      engine: flags.engine,
      lakeDir: flags.lake,
      location: flags.location,
      table: flags.table,
    }),
  );
  return EXIT_OK;
}
