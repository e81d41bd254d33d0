/** The S3 flags every command that reads s3:// takes, and the options they mean. */
import type { S3Options } from '../source/open-sources.js';

export interface S3Flags {
  profile?: string;
  endpointUrl?: string;
  s3Region?: string;
  pathStyle?: boolean;
}

export function s3OptionsOf(flags: S3Flags): S3Options {
  return {
    ...(flags.s3Region === undefined ? {} : { region: flags.s3Region }),
    ...(flags.profile === undefined ? {} : { profile: flags.profile }),
    ...(flags.endpointUrl === undefined ? {} : { endpointUrl: flags.endpointUrl }),
    ...(flags.pathStyle === undefined ? {} : { pathStyle: flags.pathStyle }),
  };
}
