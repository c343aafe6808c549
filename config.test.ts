import { mkdtempSync, readFileSync, statSync } from 'node:fs';
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
});
