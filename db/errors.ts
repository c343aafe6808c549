/**
 * Reading PostgreSQL's errors through drizzle: drizzle wraps the driver's error in a
 * DrizzleQueryError (its message holds the query and its parameters) and keeps the driver's
 * error as `cause`, so a SQLSTATE is looked for along the chain of causes.
 */

/** The error's chain: itself and its causes, `maxDepth` at most. */
export function* errorChain(err: unknown, maxDepth = 8): Generator<unknown> {
  for (let e = err, depth = 0; e && depth < maxDepth; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** The SQLSTATE an error itself carries: five characters, its class the first two. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** What PostgreSQL said, from the first error along the chain that carries a SQLSTATE. */
export interface PgError {
  code: string;
  detail?: string;
  constraint?: string;
}

/** The PostgreSQL error in `err`'s chain, if there is one. */
export function pgError(err: unknown): PgError | undefined {
  for (const e of errorChain(err)) {
    const code = sqlState(e);
    if (!code) continue;
    const { detail, constraint } = e as { detail?: unknown; constraint?: unknown };
    return { code, ...(typeof detail === 'string' ? { detail } : {}), ...(typeof constraint === 'string' ? { constraint } : {}) };
  }
  return undefined;
}

/** Whether `err` is a unique violation, of `constraint` when it is given. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pg = pgError(err);
  return pg?.code === '23505' && (constraint === undefined || pg.constraint === constraint);
}

/**
 * `err` without the query parameters drizzle puts in its message and keeps on the error (they
 * may hold an owner's phone number): the query text, which has placeholders only, and the
 * driver's error as the cause. Any other error is returned as it is.
 */
export function withoutQueryParameters(err: unknown): unknown {
  const query = err instanceof Error && 'params' in err && 'query' in err ? err.query : undefined;
  if (typeof query !== 'string') return err;
  const cause = (err as Error).cause;
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  const safe = new Error(`Failed query: ${query}${reason}`, { cause });
  safe.name = (err as Error).name;
  return safe;
}
