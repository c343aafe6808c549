/** The one logger factory (pino). Personal data and secrets are redacted at the source. */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { withoutQueryParameters } from './db/errors.js';

/** Paths pino blanks out wherever they appear: tokens, secrets, phone numbers and names of owners. */
export const redactPaths = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'password',
  'secret',
  'token',
  'phone',
  '*.phone',
  '*.*.phone',
  '*.*.*.phone',
  '*.reporterPhone',
  '*.*.reporterPhone',
  '*.password',
  '*.secret',
  '*.token',
  '*.jwtSecret',
];

/** Create the process logger at `level`; `name` tells processes apart in a shared terminal. Writes to stdout unless given `destination`. */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    name,
    redact: { paths: redactPaths, censor: '[redacted]' },
    // A failed query is logged by its text, never its parameters.
    serializers: { err: (err: Error) => pino.stdSerializers.err(withoutQueryParameters(err) as Error) },
  };
  return destination ? pino(options, destination) : pino(options);
}
