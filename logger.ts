/** The one logger factory (pino). Personal data and secrets are redacted at the source. */
import { pino, type Logger } from 'pino';

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

/** Create the process logger at `level`; `name` tells processes apart in a shared terminal. */
export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, redact: { paths: redactPaths, censor: '[redacted]' } });
}
