/**
 * The whole system as in production, for end-to-end tests: worker.ts and server.ts as their own
 * processes against a given Temporal frontend and PostgreSQL database; the test speaks HTTP only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `fn` until it returns something other than undefined (errors count as not yet). */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * An engineering SLA policy for the water category with the three-level chain (dispatcher,
 * project manager, director) `after` the given delays; clocks in ISO 8601 durations.
 */
export function waterPolicy(clocks: { respond: string; complete: string; revisit: string }, after: [string, string, string]) {
  const roles = ['dispatcher', 'manager', 'director'] as const;
  return { department: 'engineering', ...clocks, escalation: roles.map((role, i) => ({ level: i + 1, after: after[i], role })) };
}

/** The app's two processes and an HTTP client that signs in as any demo user. */
export class AppProcesses {
  readonly children = new Map<string, ChildProcess>();
  private readonly tokens: Record<string, string> = {};
  private readonly env: NodeJS.ProcessEnv;

  private constructor(readonly base: string, opts: { databaseUrl: string; temporalAddress: string; port: number }) {
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: opts.databaseUrl,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}`,
      PORT: String(opts.port),
      JWT_SECRET: randomUUID() + randomUUID(),
      LOG_LEVEL: 'warn',
      // Every test request comes from one address and a few tokens: limits tests do not exercise.
      RATE_LIMIT_ADDRESS_PER_MINUTE: '1000000',
      RATE_LIMIT_TOKEN_PER_MINUTE: '1000000',
      RATE_LIMIT_EXPENSIVE_PER_MINUTE: '1000000',
    };
  }

  /** Starts the worker and the API, waits for /readyz, and signs in `users`. */
  static async start(opts: { databaseUrl: string; temporalAddress: string; users: string[] }): Promise<AppProcesses> {
    const port = await freePort();
    const app = new AppProcesses(`http://127.0.0.1:${port}`, { ...opts, port });
    app.launch('worker', 'worker.ts');
    app.launch('api', 'server.ts');
    await eventually('/readyz', async () => ((await fetch(`${app.base}/readyz`)).status === 200 ? true : undefined), 90);
    for (const u of opts.users) app.tokens[u] = await app.run('scripts/token.ts', [u]);
    return app;
  }

  /** Starts `entry` (again) as the process called `name`. */
  launch(name: string, entry: string): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: this.env, stdio: ['ignore', 'ignore', 'inherit'] });
    this.children.set(name, child);
    return child;
  }

  private async run(entry: string, args: string[]): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`${entry} exited with ${code}`);
    return out.trim();
  }

  /** An API call as `username`. */
  async call(method: string, path: string, username: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.tokens[username]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  }

  /** SIGTERM to both processes; resolves when they are gone. */
  async stop(): Promise<void> {
    for (const child of this.children.values()) child.kill('SIGTERM');
    await Promise.all([...this.children.values()].map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve())));
  }
}
