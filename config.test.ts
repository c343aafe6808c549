import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'cfg-'));

describe('configuration', () => {
  it('starts on the embedded defaults with secrets generated into the data directory', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.database.embedded).toBe(true);
    expect(config.database.url).toMatch(/^postgres:\/\/postgres:.+@127\.0\.0\.1:54329\/property_ops$/);
    expect(config.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'property-ops', replayConcurrency: 1 });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    const secrets = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
    expect(config.auth.jwtSecret).toBe(secrets.jwtSecret);
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o077).toBe(0);
    expect(loadConfig({ DATA_DIR: dir }).auth.jwtSecret).toBe(config.auth.jwtSecret);
  });

  it('names each bad variable in one readable message', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DATA_DIR: dataDir() })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DATA_DIR: dataDir() });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('PORT:');
      expect(message).toContain('DATABASE_URL: must be a postgres:// URL');
      expect(message).toContain('LOG_LEVEL:');
    }
  });

  it('requires JWT_SECRET and DATABASE_URL in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir() })).toThrow(/JWT_SECRET and DATABASE_URL: required when NODE_ENV=production/);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'z'.repeat(40), DATABASE_URL: 'postgres://u:p@db:5432/property_ops' });
    expect(config.database).toMatchObject({ embedded: false, url: 'postgres://u:p@db:5432/property_ops' });
  });

  it('takes the number of replay checks the worker runs at once, and refuses none at all', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), REPLAY_CONCURRENCY: '2' }).temporal.replayConcurrency).toBe(2);
    expect(() => loadConfig({ DATA_DIR: dataDir(), REPLAY_CONCURRENCY: '0' })).toThrow(/REPLAY_CONCURRENCY/);
  });

  describe('TLS and API keys for a managed or secured Temporal', () => {
    // Shapes only: the config reads the files and checks their PEM armour; the SDK parses them.
    const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
    const files = () => {
      const dir = dataDir();
      const write = (name: string, content: string) => {
        writeFileSync(path.join(dir, name), content);
        return path.join(dir, name);
      };
      return { dir, cert: write('client.pem', pem('CERTIFICATE')), key: write('client.key', pem('PRIVATE KEY')), ca: write('ca.pem', pem('CERTIFICATE')) };
    };

    it('connects in plain text to a local server unless told otherwise', () => {
      const config = loadConfig({ DATA_DIR: dataDir() });
      expect(config.temporal.tls).toBeUndefined();
      expect(config.temporal.apiKey).toBeUndefined();
    });

    it('reads the client certificate, key and CA at boot for mutual TLS', () => {
      const f = files();
      const config = loadConfig({ DATA_DIR: f.dir, TEMPORAL_TLS_CERT: f.cert, TEMPORAL_TLS_KEY: f.key, TEMPORAL_TLS_CA: f.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
      expect(config.temporal.tls?.clientCert?.toString()).toBe(pem('CERTIFICATE'));
      expect(config.temporal.tls?.clientKey?.toString()).toBe(pem('PRIVATE KEY'));
      expect(config.temporal.tls?.serverName).toBe('temporal.internal');
    });

    it('sends an API key only over TLS', () => {
      const config = loadConfig({ DATA_DIR: dataDir(), TEMPORAL_API_KEY: 'key-123' });
      expect(config.temporal).toMatchObject({ apiKey: 'key-123', tls: {} });
      expect(() => loadConfig({ DATA_DIR: dataDir(), TEMPORAL_API_KEY: 'key-123', TEMPORAL_TLS: 'false' })).toThrow(/TEMPORAL_TLS: is false, but .* API key/);
    });

    it('stops the boot naming the variable when a certificate is missing, unreadable or not PEM', () => {
      const f = files();
      expect(() => loadConfig({ DATA_DIR: f.dir, TEMPORAL_TLS_CERT: f.cert })).toThrow(/TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT/);
      expect(() => loadConfig({ DATA_DIR: f.dir, TEMPORAL_TLS_CERT: f.cert, TEMPORAL_TLS_KEY: path.join(f.dir, 'nope.key') })).toThrow(
        /TEMPORAL_TLS_KEY: cannot read .*nope\.key \(ENOENT\)/,
      );
      expect(() => loadConfig({ DATA_DIR: f.dir, TEMPORAL_TLS_CA: f.key })).toThrow(/TEMPORAL_TLS_CA: .* is not a PEM file of the expected kind/);
    });
  });
});
