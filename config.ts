/**
 * Configuration, parsed once at boot with zod. Nothing else in the codebase reads
 * process.env: entry points call loadConfig() and pass the result down.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defaultReplacementRule, defaultTaskLeadMs } from './domain/maintenance.js';
import { parsePayloadKeys, type PayloadKeys } from './payload-codec.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(0).max(65535);

/** Requests allowed per minute, and how many replay checks may wait for the replay worker at once (api/limits.ts). */
export interface RateLimits {
  perAddressPerMinute: number;
  perTokenPerMinute: number;
  /** For each caller, on the routes that cost a worker or a large query (replay, statistics). */
  expensivePerMinute: number;
  /** Replay checks in flight at once; one more is 429 until one finishes. */
  replayQueue: number;
}

export const defaultRateLimits: RateLimits = { perAddressPerMinute: 1200, perTokenPerMinute: 600, expensivePerMinute: 20, replayQueue: 4 };

/** Every variable the system reads, with its default. The README's table mirrors this. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('property-ops'),
  REPLAY_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL: z.string().regex(/^\d+[smhd]$/, 'must look like 12h, 30m or 7d').default('12h'),
  STAFF_STANDING_TTL_MS: z.coerce.number().int().min(0).max(5000).default(3000),
  RATE_LIMIT_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).default(defaultRateLimits.perAddressPerMinute),
  RATE_LIMIT_TOKEN_PER_MINUTE: z.coerce.number().int().min(1).default(defaultRateLimits.perTokenPerMinute),
  RATE_LIMIT_EXPENSIVE_PER_MINUTE: z.coerce.number().int().min(1).default(defaultRateLimits.expensivePerMinute),
  REPLAY_QUEUE: z.coerce.number().int().min(1).max(1000).default(defaultRateLimits.replayQueue),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  WORKER_METRICS_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  TOOLS_CACHE_DIR: z.string().min(1).optional(),
  NOTIFY_WEBHOOK_URL: z.url().optional(),
  NOTIFY_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MAINTENANCE_REPLACEMENT_REPAIRS: z.coerce.number().int().min(1).max(1000).default(defaultReplacementRule.repairs),
  MAINTENANCE_REPLACEMENT_MONTHS: z.coerce.number().int().min(1).max(120).default(defaultReplacementRule.months),
  MAINTENANCE_TASK_LEAD_SECONDS: z.coerce.number().int().min(0).max(86_400).default(defaultTaskLeadMs / 1000),
  PAYLOAD_KEYS: z
    .string()
    .optional()
    .transform((spec, ctx) => {
      if (spec === undefined || spec.trim() === '') return undefined;
      const keys = parsePayloadKeys(spec);
      if (typeof keys === 'string') {
        ctx.addIssue({ code: 'custom', message: keys });
        return z.NEVER;
      }
      return keys;
    }),
  CODEC_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s) => s?.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be a list of http(s) origins' })).optional()),
  /** A second declaration of the same type at the same property within this many minutes reaches the open incident. */
  INCIDENT_DEDUPE_MINUTES: z.coerce.number().int().min(0).max(1440).default(30),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  database: { url: string; embedded: boolean; embeddedPort: number; embeddedPassword: string; dataDir: string };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** Replay checks the worker runs at once (each takes a core), on `<taskQueue>-replay`. */
    replayConcurrency: number;
    uiPort: number;
    cliPath?: string;
    testServerPath?: string;
    /** TLS to the frontend: a managed or secured cluster. Certificates are read at boot. */
    tls?: { clientCert?: Buffer; clientKey?: Buffer; serverCa?: Buffer; serverName?: string };
    /** API-key authentication (Temporal Cloud and other secured clusters); always over TLS. */
    apiKey?: string;
  };
  http: { host: string; port: number };
  /** `standingTtlMs`: how long a token subject's standing (active, role, memberships) is cached: at most 5 s. */
  auth: { jwtSecret: string; tokenTtl: string; standingTtlMs: number };
  /** Requests a minute per address, per token and on replay and statistics routes; replay checks in flight at once. */
  limits: RateLimits;
  logLevel: (typeof logLevels)[number];
  /** Where the worker serves the Temporal SDK's Prometheus metrics (host:port), if anywhere. */
  workerMetricsAddress?: string;
  dataDir: string;
  toolsCacheDir: string;
  notifications: { webhookUrl?: string; webhookSecret?: string };
  /** Equipment with at least `repairs` repair orders within `months` is flagged for replacement; a task is started `taskLeadMs` before it opens (listed as scheduled). */
  maintenance: { replacementRule: { repairs: number; months: number }; taskLeadMs: number };
  /** Keys of the payload codec: histories are encrypted at rest when set. */
  payloadKeys?: PayloadKeys;
  /** Origins (the Temporal Web UI's) allowed to call the codec endpoint from a browser. */
  codecCorsOrigins: string[];
  /** A declaration of the same type at the same property within `dedupeWindowMs` reaches the open incident. */
  incidents: { dedupeWindowMs: number };
}

/** A configuration problem, worded for the person starting the system. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface LocalSecrets {
  jwtSecret: string;
  postgresPassword: string;
}

/**
 * Secrets for the embedded default, generated once per data directory and kept
 * there (never in the repository). Production sets JWT_SECRET and DATABASE_URL.
 */
function localSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: LocalSecrets = {
    jwtSecret: randomBytes(32).toString('base64url'),
    postgresPassword: randomBytes(18).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * TLS to Temporal, from TEMPORAL_TLS (server-verified TLS only), a client certificate and key
 * (mTLS), a CA for a private server certificate, an API key (implies TLS). Each file is read now,
 * so a wrong path stops the boot with its variable's name rather than failing at first connect.
 */
function temporalTlsConfig(e: z.infer<typeof envSchema>): NonNullable<Config['temporal']['tls']> | undefined {
  const problems: string[] = [];
  if ((e.TEMPORAL_TLS_CERT === undefined) !== (e.TEMPORAL_TLS_KEY === undefined)) {
    problems.push(`${e.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'}: required with ${e.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'} (a client certificate goes with its key)`);
  }
  const wanted = e.TEMPORAL_TLS === 'true' || [e.TEMPORAL_TLS_CERT, e.TEMPORAL_TLS_CA, e.TEMPORAL_TLS_SERVER_NAME, e.TEMPORAL_API_KEY].some((v) => v !== undefined);
  if (wanted && e.TEMPORAL_TLS === 'false') {
    problems.push('TEMPORAL_TLS: is false, but a TLS certificate, CA, server name or API key is set (an API key is only sent over TLS)');
  }
  const read = (variable: string, file: string | undefined, marker: RegExp): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      const content = readFileSync(file);
      if (!marker.test(content.toString('utf8'))) problems.push(`${variable}: ${file} is not a PEM file of the expected kind`);
      return content;
    } catch (err) {
      problems.push(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const clientCert = read('TEMPORAL_TLS_CERT', e.TEMPORAL_TLS_CERT, /-----BEGIN CERTIFICATE-----/);
  const clientKey = read('TEMPORAL_TLS_KEY', e.TEMPORAL_TLS_KEY, /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  const serverCa = read('TEMPORAL_TLS_CA', e.TEMPORAL_TLS_CA, /-----BEGIN CERTIFICATE-----/);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  if (!wanted) return undefined;
  return {
    ...(clientCert ? { clientCert } : {}),
    ...(clientKey ? { clientKey } : {}),
    ...(serverCa ? { serverCa } : {}),
    ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
}

/** Parse the environment into a Config, or throw a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const needsLocal = !e.JWT_SECRET || !e.DATABASE_URL;
  if (needsLocal && e.NODE_ENV === 'production') {
    const missing = [!e.JWT_SECRET && 'JWT_SECRET', !e.DATABASE_URL && 'DATABASE_URL'].filter(Boolean).join(' and ');
    throw new ConfigError(`Invalid configuration:\n  ${missing}: required when NODE_ENV=production`);
  }
  const temporalTls = temporalTlsConfig(e);
  const local = needsLocal ? localSecrets(dataDir) : undefined;
  const embeddedPassword = local?.postgresPassword ?? '';
  const databaseUrl =
    e.DATABASE_URL ??
    `postgres://postgres:${encodeURIComponent(embeddedPassword)}@127.0.0.1:${e.EMBEDDED_PG_PORT}/property_ops`;
  return {
    env: e.NODE_ENV,
    database: {
      url: databaseUrl,
      embedded: !e.DATABASE_URL,
      embeddedPort: e.EMBEDDED_PG_PORT,
      embeddedPassword,
      dataDir: path.join(dataDir, 'postgres'),
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      replayConcurrency: e.REPLAY_CONCURRENCY,
      uiPort: e.TEMPORAL_UI_PORT,
      ...(e.TEMPORAL_CLI_PATH ? { cliPath: e.TEMPORAL_CLI_PATH } : {}),
      ...(e.TEMPORAL_TEST_SERVER_PATH ? { testServerPath: e.TEMPORAL_TEST_SERVER_PATH } : {}),
      ...(temporalTls ? { tls: temporalTls } : {}),
      ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
    },
    http: { host: e.HOST, port: e.PORT },
    auth: { jwtSecret: e.JWT_SECRET ?? local!.jwtSecret, tokenTtl: e.TOKEN_TTL, standingTtlMs: e.STAFF_STANDING_TTL_MS },
    limits: {
      perAddressPerMinute: e.RATE_LIMIT_ADDRESS_PER_MINUTE,
      perTokenPerMinute: e.RATE_LIMIT_TOKEN_PER_MINUTE,
      expensivePerMinute: e.RATE_LIMIT_EXPENSIVE_PER_MINUTE,
      replayQueue: e.REPLAY_QUEUE,
    },
    logLevel: e.LOG_LEVEL,
    ...(e.WORKER_METRICS_ADDRESS ? { workerMetricsAddress: e.WORKER_METRICS_ADDRESS } : {}),
    dataDir,
    toolsCacheDir: path.resolve(e.TOOLS_CACHE_DIR ?? path.join(homedir(), '.cache', 'property-ops')),
    notifications: {
      ...(e.NOTIFY_WEBHOOK_URL ? { webhookUrl: e.NOTIFY_WEBHOOK_URL } : {}),
      ...(e.NOTIFY_WEBHOOK_SECRET ? { webhookSecret: e.NOTIFY_WEBHOOK_SECRET } : {}),
    },
    maintenance: { replacementRule: { repairs: e.MAINTENANCE_REPLACEMENT_REPAIRS, months: e.MAINTENANCE_REPLACEMENT_MONTHS }, taskLeadMs: e.MAINTENANCE_TASK_LEAD_SECONDS * 1000 },
    ...(e.PAYLOAD_KEYS ? { payloadKeys: e.PAYLOAD_KEYS } : {}),
    // The dev server's Web UI by default, under either name a browser may use for it.
    codecCorsOrigins: e.CODEC_CORS_ORIGINS ?? [`http://localhost:${e.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`],
    incidents: { dedupeWindowMs: e.INCIDENT_DEDUPE_MINUTES * 60_000 },
  };
}

/** loadConfig() for entry points: a bad configuration prints its message and exits 1, no stack trace. */
export function bootConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
