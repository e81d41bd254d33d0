/**
 * What an error from the AWS SDK says about the request, read without loading the SDK (the
 * ingest workers import this on every object; the SDK only when an object is in S3).
 */

/** The HTTP status S3 answered with, undefined when no answer came (a reset, a timeout). */
export function s3HttpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null | undefined)?.$metadata
    ?.httpStatusCode;
}

/** S3 answers that retrying will not change (4xx), as opposed to a cut connection or a 5xx. */
export function isFinalS3Error(error: unknown): boolean {
  const status = s3HttpStatus(error);
  return status !== undefined && status >= 400 && status < 500;
}
