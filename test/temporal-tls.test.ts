/**
 * TLS to Temporal, as configured for a managed or secured cluster (TEMPORAL_TLS_CERT, _KEY,
 * _CA, _SERVER_NAME), against a real TLS endpoint: a private CA made with openssl, and a
 * TLS terminator in front of the dev server that requires a client certificate from that CA
 * (mutual TLS, ALPN h2) and passes the gRPC stream on. Both kinds of connection the app makes
 * — the API's client and the worker's native connection — are configured from the
 * environment exactly as at boot, and must complete the handshake and answer; without the
 * client certificate the terminator refuses them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { connectClient, security } from '../temporal.js';
import { connectWorker } from '../temporal-worker.js';
import { devServerEnv } from './harness/temporal.js';

let env: TestWorkflowEnvironment;
let dir: string;
let terminator: tls.Server;
let tlsAddress: string;
const handshakes: { authorized: boolean; alpn: string | false | null }[] = [];

/** openssl, quietly; the files land in `dir`. */
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A key and a certificate for `name` signed by the test CA, with the given extensions. */
function issue(name: string, subject: string, extensions: string) {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'temporal-tls-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-subj', '/CN=Property Ops test CA', '-days', '2', '-out', 'ca.pem');
  issue('server', '/CN=temporal.test', 'subjectAltName=DNS:temporal.test\nextendedKeyUsage=serverAuth\n');
  issue('client', '/CN=property-ops-worker', 'extendedKeyUsage=clientAuth\n');
  env = await devServerEnv();
  const [host, port] = env.address.split(':') as [string, string];
  const file = (name: string) => readFileSync(path.join(dir, name));
  terminator = tls.createServer({ key: file('server.key'), cert: file('server.pem'), ca: file('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (socket) => {
    handshakes.push({ authorized: socket.authorized, alpn: socket.alpnProtocol });
    const upstream = net.connect(Number(port), host);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));
  tlsAddress = `127.0.0.1:${(terminator.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => (terminator ? terminator.close(resolve) : resolve(undefined)));
  await env?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The app's Temporal settings as loaded at boot from `extra`. */
const temporalConfig = (extra: Record<string, string>) =>
  loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused', JWT_SECRET: 'x'.repeat(32), TEMPORAL_ADDRESS: tlsAddress, ...extra }).temporal;

describe('TLS to Temporal', () => {
  it('completes mutual TLS from the configured certificate, key, CA and server name, for the API client and the worker connection', async () => {
    const cfg = temporalConfig({
      TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
      TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    });
    const logger = createLogger('silent', 'test');
    const client = await connectClient(cfg, logger);
    const info = await client.workflowService.getSystemInfo({});
    expect(info.capabilities).toBeDefined();
    await client.connection.close();
    const native = await connectWorker(cfg, logger);
    await native.close();
    expect(handshakes.length).toBeGreaterThanOrEqual(2);
    expect(handshakes.every((h) => h.authorized && h.alpn === 'h2')).toBe(true);
  });

  it('is refused by the server without the client certificate, and refuses a server its CA did not sign', async () => {
    const noClientCert = temporalConfig({ TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });
    await expect(Connection.connect({ address: tlsAddress, ...security(noClientCert), connectTimeout: 3_000 }).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
    // The system's trust store does not know the test CA: the server's certificate is refused.
    const unknownCa = temporalConfig({ TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'client.key'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });
    await expect(NativeConnection.connect({ address: tlsAddress, ...security(unknownCa) })).rejects.toThrow();
  });
});
