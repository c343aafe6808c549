/**
 * Fetches and builds the Temporal binaries the project runs against: the `temporal` CLI
 * (dev server), the Java time-skipping test server, and the production server with its schema
 * tool and Web UI server (`npm run cluster`). Each is built once per version into the
 * tools cache; parallel test processes may call these functions at the same time.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bootConfig } from '../config.js';

const execFileAsync = promisify(execFile);

/** Version of the Temporal CLI built from source; the newest tag `go install` accepts. */
export const TEMPORAL_CLI_VERSION = '1.5.1';

/** Version of the production Temporal server `npm run cluster` runs: the one the CLI above embeds. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';

/** Version of the Web UI server beside it: the one the CLI above embeds. */
export const UI_SERVER_VERSION = '2.42.1';

/** Version of the Java time-skipping test server, matching the Temporal Java SDK release. */
export const TEST_SERVER_VERSION = '1.38.0';

/** Version of schemathesis (PyPI) the spec fuzzing test runs, in a virtual environment of its own. */
export const SCHEMATHESIS_VERSION = '4.32.5';

// What the CLI's go.mod asks for; Go 1.21+ fetches that toolchain itself unless GOTOOLCHAIN=local.
const GO_MINIMUM = '1.25';

const TEST_SERVER_MAIN = 'io.temporal.testserver.TestServer';
// The test server logs through slf4j 1.x; the no-op binding stops slf4j's warnings on every start.
const SLF4J_VERSION = '1.7.36';
const MAVEN_DEPENDENCY_PLUGIN_VERSION = '3.8.1';
// The SDK gives the server 5 s to listen. C1-only JIT and the serial GC took startup from about
// 0.85 s to 0.65 s here, and the class-data archive brings it to about 0.3 s.
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

// A cold CLI build takes minutes; only a lock older than this, whose owner we cannot check, is abandoned.
const LOCK_STALE_MS = 60 * 60_000;
// Between mkdir and writing the owner file a lock briefly has no owner; longer than this means its maker died.
const OWNERLESS_LOCK_STALE_MS = 30_000;

/** A tool the build needs is not installed; its message says in one sentence what to install. */
export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

/** A build step failed for a reason other than a missing tool; its message carries the tool's output. */
class BuildFailedError extends Error {
  override name = 'BuildFailedError';
}

/** Returns the absolute path of a `temporal` CLI binary: the configured one, or one built once from source. */
export async function ensureTemporalCli(opts: { cacheDir: string; cliPath?: string }): Promise<string> {
  if (opts.cliPath !== undefined) return existingTool(opts.cliPath, 'TEMPORAL_CLI_PATH', 'temporal CLI binary');
  const cacheDir = path.resolve(opts.cacheDir);
  const name = `temporal-cli-v${TEMPORAL_CLI_VERSION}`;
  const dir = path.join(cacheDir, name);
  const binary = path.join(dir, 'temporal');
  if (await isExecutable(binary)) return binary;

  await mkdir(cacheDir, { recursive: true });
  return withLock(path.join(cacheDir, `${name}.lock`), `building the Temporal CLI v${TEMPORAL_CLI_VERSION}`, async () => {
    if (await isExecutable(binary)) return binary;
    const goVersion = await requireGo();
    progress(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} (first run only, a few minutes)…`);
    const started = Date.now();
    const tmp = await freshTempDir(cacheDir, name);
    try {
      await goInstall([`github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], tmp, goVersion, cliGoHint);
      const built = path.join(tmp, 'temporal');
      // A binary that cannot even print its version must not become the cached one.
      await run(built, ['--version']);
      await mkdir(dir, { recursive: true });
      await rename(built, binary);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    progress(`built the Temporal CLI in ${seconds(started)} s: ${binary}`);
    return binary;
  });
}

/** Returns the path of an executable that starts the time-skipping test server on the port given as its argument. */
export async function ensureTestServer(opts: { cacheDir: string; testServerPath?: string }): Promise<string> {
  if (opts.testServerPath !== undefined) {
    return existingTool(opts.testServerPath, 'TEMPORAL_TEST_SERVER_PATH', 'test server executable');
  }
  const cacheDir = path.resolve(opts.cacheDir);
  const name = `temporal-test-server-${TEST_SERVER_VERSION}`;
  const dir = path.join(cacheDir, name);
  const wrapper = path.join(dir, 'temporal-test-server');
  // The wrapper is written last, so its presence means the jars and archive beside it are complete.
  if (await isExecutable(wrapper)) return wrapper;

  await mkdir(cacheDir, { recursive: true });
  return withLock(path.join(cacheDir, `${name}.lock`), `fetching the Temporal test server ${TEST_SERVER_VERSION}`, async () => {
    if (await isExecutable(wrapper)) return wrapper;
    await requireJavaAndMaven();
    await mkdir(dir, { recursive: true });
    const lib = path.join(dir, 'lib');
    if (!(await exists(lib))) await fetchTestServerJars(dir, lib);
    const archive = path.join(dir, 'test-server.jsa');
    const withArchive = (await exists(archive)) || (await buildClassDataArchive(dir, lib, archive));
    await writeFileAtomically(wrapper, testServerWrapper(lib, withArchive ? archive : undefined), 0o755);
    return wrapper;
  });
}

/**
 * Returns the path of the `st` (schemathesis) command, installed once per version from PyPI
 * into a virtual environment under the tools cache. Needs Python 3.9+ with its venv module.
 */
export async function ensureSchemathesis(opts: { cacheDir: string }): Promise<string> {
  const cacheDir = path.resolve(opts.cacheDir);
  const name = `schemathesis-${SCHEMATHESIS_VERSION}`;
  const venv = path.join(cacheDir, name);
  const st = path.join(venv, 'bin', 'st');
  // Written after a successful install and check: its presence means the environment is whole.
  const done = path.join(venv, '.installed');
  if ((await exists(done)) && (await isExecutable(st))) return st;

  await mkdir(cacheDir, { recursive: true });
  return withLock(path.join(cacheDir, `${name}.lock`), `installing schemathesis ${SCHEMATHESIS_VERSION}`, async () => {
    if ((await exists(done)) && (await isExecutable(st))) return st;
    // A python3 without the venv module fails the probe: the same missing prerequisite.
    const python = await probe('python3', ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])']).catch(() => null);
    if (python === null || Number(python.split('.')[1]) < 9) {
      throw new MissingPrerequisiteError(`The spec fuzzing test needs Python 3.9 or newer with its venv module (python3 -m venv); found ${python ?? 'none'}. Install python3 and python3-venv.`);
    }
    progress(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv} (first run only)…`);
    const started = Date.now();
    // A half-made environment from an interrupted install is made again from scratch.
    await rm(venv, { recursive: true, force: true });
    await run('python3', ['-m', 'venv', venv]);
    await run(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]);
    await run(st, ['--version']);
    await writeFile(done, `${SCHEMATHESIS_VERSION}\n`);
    progress(`installed schemathesis in ${seconds(started)} s: ${st}`);
    return st;
  });
}

/** The Temporal production server, its schema tool and the Web UI server, built from the Go module proxy. */
export interface TemporalClusterTools {
  server: string;
  sqlTool: string;
  uiServer: string;
  /** The server module's development-postgres12.yaml, the base of every cluster process's config. */
  baseConfig: string;
  /** The server module's dynamic config for SQL persistence. */
  baseDynamicConfig: string;
}

/**
 * Returns the binaries `npm run cluster` runs, built once per version into the tools cache:
 * the server (every service), the SQL schema tool and the Web UI server, plus the server
 * module's PostgreSQL development config they are configured from.
 */
export async function ensureTemporalCluster(opts: { cacheDir: string }): Promise<TemporalClusterTools> {
  const cacheDir = path.resolve(opts.cacheDir);
  const name = `temporal-server-v${TEMPORAL_SERVER_VERSION}`;
  const dir = path.join(cacheDir, name);
  const tools: TemporalClusterTools = {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    uiServer: path.join(dir, 'temporal-ui-server'),
    baseConfig: path.join(dir, 'config', 'development-postgres12.yaml'),
    baseDynamicConfig: path.join(dir, 'config', 'dynamicconfig', 'development-sql.yaml'),
  };
  // The UI server is moved in last, so its presence means the whole set is complete.
  if (await isExecutable(tools.uiServer)) return tools;

  await mkdir(cacheDir, { recursive: true });
  return withLock(path.join(cacheDir, `${name}.lock`), `building the Temporal server v${TEMPORAL_SERVER_VERSION}`, async () => {
    if (await isExecutable(tools.uiServer)) return tools;
    const goVersion = await requireGo(clusterGoHint);
    progress(`building the Temporal server v${TEMPORAL_SERVER_VERSION}, its schema tool and the Web UI server (first run only, about 6 minutes)…`);
    const started = Date.now();
    const tmp = await freshTempDir(cacheDir, name);
    try {
      const module = `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`;
      // The UI server's binary is also called `server`: each set goes into its own directory.
      await goInstall(
        [`go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`],
        path.join(tmp, 'server'),
        goVersion,
        clusterGoHint,
      );
      await goInstall([`github.com/temporalio/ui-server/v2/cmd/server@v${UI_SERVER_VERSION}`], path.join(tmp, 'ui'), goVersion, clusterGoHint);
      const { stdout } = await execFileAsync('go', ['mod', 'download', '-json', module], { env: process.env, maxBuffer: 1 << 20 });
      const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
      if (!moduleDir) throw new BuildFailedError(`\`go mod download -json ${module}\` named no module directory.`);
      await run(path.join(tmp, 'server', 'server'), ['--version']);
      await mkdir(path.join(dir, 'config', 'dynamicconfig'), { recursive: true });
      await copyFile(path.join(moduleDir, 'config', 'development-postgres12.yaml'), tools.baseConfig);
      await copyFile(path.join(moduleDir, 'config', 'dynamicconfig', 'development-sql.yaml'), tools.baseDynamicConfig);
      await rename(path.join(tmp, 'server', 'server'), tools.server);
      await rename(path.join(tmp, 'server', 'sql'), tools.sqlTool);
      await rename(path.join(tmp, 'ui', 'server'), tools.uiServer);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    progress(`built the Temporal server in ${seconds(started)} s: ${dir}`);
    return tools;
  });
}

const cliGoHint = 'The Temporal CLI is built from source';
const clusterGoHint = 'The Temporal server for `npm run cluster` is built from source';

/** `go install` of static binaries into gobin; a Go too old for the module becomes a one-sentence message. */
async function goInstall(packages: string[], gobin: string, goVersion: string, hint: string): Promise<void> {
  try {
    await run('go', ['install', ...packages], {
      // Pass the environment through untouched (PATH, GOPATH, GOPROXY, proxies) and only add what
      // this build needs: a static binary, installed into a temporary directory.
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: gobin },
    });
  } catch (err) {
    const required = err instanceof BuildFailedError ? /requires go >= ?([\d.]+)/.exec(err.message) : null;
    if (required?.[1]) throw new MissingPrerequisiteError(goMessage(required[1], goVersion, hint));
    throw err;
  }
}

async function requireGo(hint = cliGoHint): Promise<string> {
  const out = await probe('go', ['env', 'GOVERSION']);
  if (out === null) throw new MissingPrerequisiteError(goMessage(GO_MINIMUM, undefined, hint));
  const version = out.trim();
  // Go 1.21+ fetches the newer toolchain the CLI's go.mod asks for by itself; older Go cannot.
  const match = /^go(\d+)\.(\d+)/.exec(version);
  if (!match || Number(match[1]) * 1000 + Number(match[2]) < 1021) {
    throw new MissingPrerequisiteError(goMessage(GO_MINIMUM, version || 'an unknown version', hint));
  }
  return version;
}

function goMessage(minimum: string, found: string | undefined, hint: string): string {
  const have = found === undefined ? '`go` is not on PATH' : `this machine has ${found}`;
  const instead = hint === cliGoHint ? ' or set TEMPORAL_CLI_PATH to an existing temporal binary' : '';
  return `${hint} and needs Go ≥ ${minimum}, but ${have}: install Go from https://go.dev/dl/${instead}.`;
}

async function requireJavaAndMaven(): Promise<void> {
  const [java, mvn] = await Promise.all([probe('java', ['-version']), probe('mvn', ['-v'])]);
  const missing = [java === null && '`java`', mvn === null && '`mvn`'].filter(Boolean);
  if (missing.length === 0) return;
  throw new MissingPrerequisiteError(
    `The Temporal test server runs on Java and is fetched with Maven, but ${missing.join(' and ')} ` +
      `${missing.length > 1 ? 'are' : 'is'} not on PATH: install a JDK and Maven ` +
      '(e.g. `apt-get install default-jdk-headless maven`) or set TEMPORAL_TEST_SERVER_PATH to an existing test server executable.',
  );
}

async function fetchTestServerJars(dir: string, lib: string): Promise<void> {
  progress(`fetching the Temporal test server ${TEST_SERVER_VERSION} with Maven (first run only, about a minute)…`);
  const started = Date.now();
  const pom = path.join(dir, 'pom.xml');
  await writeFileAtomically(pom, testServerPom(), 0o644);
  const tmp = await freshTempDir(dir, 'lib');
  let jars: string[];
  try {
    await run(
      'mvn',
      ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
      { cwd: dir },
    );
    jars = await readdir(tmp);
    if (!jars.includes(`temporal-test-server-${TEST_SERVER_VERSION}.jar`)) {
      throw new BuildFailedError(`Maven finished but did not fetch temporal-test-server-${TEST_SERVER_VERSION}.jar.`);
    }
    await rename(tmp, lib);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  progress(`fetched ${jars.length} jars in ${seconds(started)} s`);
}

function testServerPom(): string {
  const dependency = (groupId: string, artifactId: string, version: string) =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- Generated by scripts/toolchain.ts: only used to resolve the test server\'s jars. -->',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.property-ops</groupId>',
    '  <artifactId>temporal-test-server-runtime</artifactId>',
    '  <version>1</version>',
    '  <dependencies>',
    dependency('io.temporal', 'temporal-test-server', TEST_SERVER_VERSION),
    dependency('org.slf4j', 'slf4j-nop', SLF4J_VERSION),
    '  </dependencies>',
    '  <build><plugins><plugin>',
    `    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>${MAVEN_DEPENDENCY_PLUGIN_VERSION}</version>`,
    '  </plugin></plugins></build>',
    '</project>',
    '',
  ].join('\n');
}

/**
 * Records the classes the server loads while starting into a CDS archive, which the JVM then maps
 * instead of parsing jars. Best effort: without it (JDK < 13, odd JVMs) the server just starts slower.
 */
async function buildClassDataArchive(dir: string, lib: string, archive: string): Promise<boolean> {
  progress('recording a class-data archive so the test server starts faster…');
  // The archive remembers the exact classpath, so it is recorded against the final lib directory.
  const tmp = await freshTempDir(dir, 'jsa');
  const tmpArchive = path.join(tmp, 'test-server.jsa');
  try {
    const port = await freePort();
    const child = spawn(
      'java',
      [`-XX:ArchiveClassesAtExit=${tmpArchive}`, ...JVM_FLAGS, '-cp', path.join(lib, '*'), TEST_SERVER_MAIN, String(port)],
      { stdio: 'ignore' },
    );
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
    spawnFailed.catch(() => undefined);
    try {
      await Promise.race([waitForPort(port, child, 60_000), spawnFailed]);
    } finally {
      // SIGTERM, not SIGKILL: the JVM writes the archive while shutting down.
      await stop(child, 30_000);
    }
    if ((await stat(tmpArchive)).size === 0) throw new Error('the archive is empty');
    await rename(tmpArchive, archive);
    return true;
  } catch (err) {
    progress(`skipping the class-data archive (${err instanceof Error ? err.message : String(err)}); the test server still works`);
    return false;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function testServerWrapper(lib: string, archive: string | undefined): string {
  // A stale archive (say, after a JDK upgrade) is ignored by the JVM; silence its warning about that.
  const cds = archive === undefined ? [] : [`-XX:SharedArchiveFile=${archive}`, '-Xlog:cds*=off'];
  const command = ['java', ...JVM_FLAGS, ...cds, '-cp', path.join(lib, '*'), TEST_SERVER_MAIN].map(shellQuote);
  return [
    '#!/bin/sh',
    `# Temporal time-skipping test server ${TEST_SERVER_VERSION}, generated by scripts/toolchain.ts. Usage: $0 <port>`,
    '# exec, because the SDK stops the server by killing this process: it has to be the JVM itself.',
    `exec ${command.join(' ')} "$@"`,
    '',
  ].join('\n');
}

/**
 * Runs fn while holding a lock directory, so parallel processes build a tool once. A lock whose
 * owner process is gone (or that is very old) is taken over.
 */
async function withLock<T>(lockDir: string, activity: string, fn: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    if (await breakStaleLock(lockDir)) continue;
    if (!announced) {
      progress(`waiting for another process that is ${activity}…`);
      announced = true;
    }
    await delay(500);
  }
  try {
    await writeFile(path.join(lockDir, 'owner'), `${hostname()} ${process.pid}\n`);
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function breakStaleLock(lockDir: string): Promise<boolean> {
  const owner = await readFile(path.join(lockDir, 'owner'), 'utf8').catch(() => undefined);
  const age = await stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
  if (!isStale(owner, age)) return false;
  // Move the lock aside before deleting it, and check it is still the stale one: another waiter
  // may have broken it and taken a fresh lock in the meantime, which must survive.
  const aside = `${lockDir}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(lockDir, aside);
  } catch {
    return true;
  }
  const movedOwner = await readFile(path.join(aside, 'owner'), 'utf8').catch(() => undefined);
  if (movedOwner !== owner) {
    await rename(aside, lockDir).catch(() => undefined);
    return false;
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}

function isStale(owner: string | undefined, ageMs: number): boolean {
  if (owner === undefined) return ageMs > OWNERLESS_LOCK_STALE_MS;
  if (ageMs > LOCK_STALE_MS) return true;
  const [host, pid] = owner.trim().split(' ');
  // A process on another machine sharing the cache cannot be checked; only age tells.
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return isErrno(err, 'ESRCH');
  }
}

async function existingTool(configured: string, variable: string, what: string): Promise<string> {
  const resolved = path.resolve(configured);
  if (await isExecutable(resolved)) return resolved;
  throw new MissingPrerequisiteError(
    `${variable} is set to ${resolved}, which does not exist or is not executable: point it at a ${what} or unset it to have one built.`,
  );
}

/** Runs a quick command and returns its output, or null when the command is not installed. */
async function probe(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { timeout: 60_000 });
    return `${stdout}${stderr}`;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/** Runs a long build step quietly, keeping the end of its output for the error if it fails. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const lines = tail.trimEnd().split('\n').slice(-30).join('\n');
      reject(new BuildFailedError(`\`${command} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`}):\n${lines}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('the test server exited while starting');
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await delay(100);
  }
  throw new Error(`the test server did not listen within ${timeoutMs / 1000} s`);
}

async function stop(child: ChildProcess, graceMs: number): Promise<void> {
  // No pid: the process never started, so there is nothing to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A new empty temporary directory beside the final location (same filesystem, so rename is atomic). */
async function freshTempDir(parent: string, name: string): Promise<string> {
  const prefix = `.tmp-${name}-`;
  // Only the lock holder calls this, so leftovers from an interrupted run are safe to delete.
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(prefix)) await rm(path.join(parent, entry), { recursive: true, force: true });
  }
  const dir = path.join(parent, `${prefix}${process.pid}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function writeFileAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

async function exists(file: string): Promise<boolean> {
  return access(file, constants.F_OK).then(() => true, () => false);
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(() => true, () => false);
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** Quotes a word for /bin/sh, so cache paths with spaces or quotes survive in the wrapper. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(0);
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const config = bootConfig();
  const cacheDir = config.toolsCacheDir;
  // The Go builds one after the other (CPU-bound), Maven beside them (it mostly waits on the network).
  const goBuilds = ensureTemporalCli({ cacheDir, ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}) });
  const [cli, testServer, cluster] = await Promise.allSettled([
    goBuilds,
    ensureTestServer({ cacheDir, ...(config.temporal.testServerPath ? { testServerPath: config.temporal.testServerPath } : {}) }),
    goBuilds.catch(() => undefined).then(() => ensureTemporalCluster({ cacheDir })),
  ]);
  // Without the production server only `npm run cluster` and its test are out (the test says so when it skips).
  if (cluster.status === 'rejected') {
    const err: unknown = cluster.reason;
    if (!(err instanceof MissingPrerequisiteError || err instanceof BuildFailedError)) throw err;
    process.stderr.write(`${err.message}\n`);
  }
  let failed = false;
  for (const result of [cli, testServer]) {
    if (result.status === 'fulfilled') continue;
    const err: unknown = result.reason;
    if (!(err instanceof MissingPrerequisiteError || err instanceof BuildFailedError)) throw err;
    process.stderr.write(`${err.message}\n`);
    failed = true;
  }
  if (cli.status === 'fulfilled') process.stdout.write(`TEMPORAL_CLI_PATH=${cli.value}\n`);
  if (testServer.status === 'fulfilled') process.stdout.write(`TEMPORAL_TEST_SERVER_PATH=${testServer.value}\n`);
  if (cluster.status === 'fulfilled') process.stdout.write(`TEMPORAL_SERVER_DIR=${path.dirname(cluster.value.server)}\n`);
  // The spec fuzzing test's tool: without Python only that test is out (it fails saying what to install).
  const schemathesis = await ensureSchemathesis({ cacheDir }).catch((err: unknown) => {
    if (!(err instanceof MissingPrerequisiteError || err instanceof BuildFailedError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return undefined;
  });
  if (schemathesis) process.stdout.write(`SCHEMATHESIS=${schemathesis}\n`);
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
