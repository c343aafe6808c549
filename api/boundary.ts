/**
 * Hygiene at the boundary, once for every route: no text with control characters, no JSON
 * nested deeper than any request needs. The checks wrap the zod validator compiler, so each
 * refusal is the usual 400 naming its field (`body.description`) before any route code runs,
 * and the OpenAPI transform says the same in the spec (every request string carries the
 * pattern), so a client generated from it never sends what the API refuses.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { jsonSchemaTransform as zodJsonSchemaTransform, validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import { z, type ZodType } from 'zod';

/** Control characters other than tab (U+0009) and newline (U+000A): NUL, carriage return, escape, DEL… */
// eslint-disable-next-line no-control-regex
export const controlCharacters = /[\u0000-\u0008\u000B-\u001F\u007F]/;

/** The same rule as a JSON Schema pattern, for the OpenAPI document. */
export const noControlCharactersPattern = '^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F]*$';

/** Deeper than any request body of this API (a Temporal history is about a dozen levels). */
export const maxJsonDepth = 64;

interface Unsafe {
  path: (string | number)[];
  message: string;
}

/**
 * The first unsafe spot in a parsed request part: a string (value or key) with a control
 * character, or nesting deeper than `maxJsonDepth`. Iterative, so a 10,000-level body cannot
 * overflow the stack.
 */
export function findUnsafe(data: unknown): Unsafe | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: data, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (controlCharacters.test(value)) return { path, message: 'must not contain control characters (only newline and tab are allowed)' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= maxJsonDepth) return { path: path.slice(0, 1), message: `is nested deeper than ${maxJsonDepth} levels` };
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      if (typeof key === 'string' && controlCharacters.test(key)) return { path, message: 'must not have a key with control characters' };
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return undefined;
}

const hygiene = z.unknown().superRefine((data, ctx) => {
  const unsafe = findUnsafe(data);
  if (unsafe) ctx.addIssue({ code: 'custom', path: unsafe.path, message: unsafe.message });
});

/** fastify-type-provider-zod's validator, behind the hygiene check: refused input never reaches the route's schema. */
export const validatorCompiler: FastifySchemaCompiler<ZodType> = (route) => zodValidatorCompiler({ ...route, schema: hygiene.pipe(route.schema) });

type JsonSchema = Record<string, unknown>;

/** Add the no-control-characters pattern to every free string in a request schema (strings with a format, enum or pattern of their own are already narrower). */
function withTextPattern(schema: unknown): void {
  const stack = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...(node as unknown[]));
      continue;
    }
    const s = node as JsonSchema;
    if (s.type === 'string' && s.pattern === undefined && s.format === undefined && s.enum === undefined && s.const === undefined) s.pattern = noControlCharactersPattern;
    stack.push(...Object.values(s));
  }
}

/** The zod OpenAPI transform, plus the text rule on body, query string, parameters and headers. */
export const jsonSchemaTransform: typeof zodJsonSchemaTransform = (input) => {
  const out = zodJsonSchemaTransform(input);
  const schema = out.schema as JsonSchema | undefined;
  for (const part of ['body', 'querystring', 'params', 'headers']) withTextPattern(schema?.[part]);
  return out;
};
