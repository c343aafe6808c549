/**
 * docker-compose.yml describes the same topology as `npm run cluster`. No Docker engine runs
 * here, so this checks what can be checked without one: the versions, shards, schema steps and
 * search attributes agree with scripts/cluster.ts, the services' addresses and dependencies hold
 * together, and every file the images are built or run from exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HISTORY_SHARDS } from '../scripts/cluster.js';
import { TEMPORAL_SERVER_VERSION, UI_SERVER_VERSION } from '../scripts/toolchain.js';
import { devServerSearchAttributes } from '../workflows/search-attributes.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, unknown>;
  networks?: { default?: { ipv4_address?: string } };
}
interface Compose {
  services: Record<string, Service>;
  networks: { default: { ipam: { config: { subnet: string; ip_range: string }[] } } };
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as Compose;
const services = Object.entries(compose.services);
const temporalServers = services.filter(([, s]) => s.image?.startsWith('temporalio/server:'));
const command = (name: string) => (compose.services[name]?.command ?? []).join('\n');

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return ipNumber(ip) >= ipNumber(base) && ipNumber(ip) < ipNumber(base) + size;
}

describe('docker-compose.yml', () => {
  it('runs the server version the cluster script builds, as the same five Temporal processes over the same shards', () => {
    for (const [, s] of services.filter(([, s]) => /^temporalio\/(server|admin-tools):/.test(s.image ?? ''))) {
      expect(s.image?.split(':')[1]?.split('-')[0]).toBe(TEMPORAL_SERVER_VERSION);
    }
    expect(compose.services['temporal-ui']?.image).toBe(`temporalio/ui:${UI_SERVER_VERSION}`);
    expect(temporalServers.map(([, s]) => s.environment?.SERVICES).sort()).toEqual(['frontend', 'history', 'history', 'matching', 'worker']);
    for (const [, s] of temporalServers) expect(Number(s.environment?.NUM_HISTORY_SHARDS)).toBe(HISTORY_SHARDS);
  });

  it('gives each Temporal process the fixed address it broadcasts, outside the range handed out to the rest', () => {
    const [{ subnet = '', ip_range = '' } = {}] = compose.networks.default.ipam.config;
    const addresses = temporalServers.map(([, s]) => s.networks?.default?.ipv4_address ?? '');
    expect(new Set(addresses).size).toBe(temporalServers.length);
    for (const [name, s] of temporalServers) {
      const ip = s.networks?.default?.ipv4_address ?? '';
      expect(s.environment?.TEMPORAL_BROADCAST_ADDRESS, name).toBe(ip);
      expect(inCidr(ip, subnet), `${name} ${ip} in ${subnet}`).toBe(true);
      expect(inCidr(ip, ip_range), `${name} ${ip} outside ${ip_range}`).toBe(false);
    }
    const frontend = compose.services['temporal-frontend']!;
    expect(frontend.environment?.PUBLIC_FRONTEND_ADDRESS).toBe(`${frontend.networks?.default?.ipv4_address}:7233`);
  });

  it('sets up both schemas with the cluster script\'s three steps and registers every search attribute the workflows upsert', () => {
    const schema = command('temporal-schema');
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -s postgresql/v12/']) expect(schema).toContain(step);
    expect(schema).toContain('temporal:temporal');
    expect(schema).toContain('temporal_visibility:visibility');
    const namespace = command('temporal-namespace');
    for (const sa of devServerSearchAttributes) {
      const [name, type] = sa.split('=');
      expect(namespace).toContain(`--name ${name} --type ${type}`);
    }
  });

  it('names only services and files that exist, and builds the app image with its workflow bundle', () => {
    for (const [name, s] of services) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const dep of deps) expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
      if (s.build !== undefined) {
        expect(existsSync(`${s.build}/Dockerfile`)).toBe(true);
        // A built entry point (.build/worker.mjs) is built from its source by `npm run build`.
        for (const built of (s.command ?? []).filter((word) => word.startsWith('.build/'))) expect(existsSync(built.replace(/^\.build\/(.*)\.mjs$/, '$1.ts')), built).toBe(true);
      }
    }
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    // The image bundles for itself; a host's bundle (built from other sources) stays out of it.
    expect(readFileSync('.dockerignore', 'utf8').split('\n')).toContain('.build');
    expect(compose.services.worker?.command).toEqual(['node', '--enable-source-maps', '.build/worker.mjs']);
    expect(compose.services.api?.command).toEqual(['node', '--enable-source-maps', '.build/server.mjs']);
    expect(dockerfile).toMatch(/^CMD \["node", "--enable-source-maps", "\.build\/server\.mjs"\]$/m);
  });
});
