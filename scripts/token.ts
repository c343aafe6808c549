/**
 * `npm run token -- <username>`: print a bearer token for a staff member, with the role
 * and properties the database gives them. Needs the database (start the system first).
 */
import Fastify from 'fastify';
import { authPlugin, signToken } from '../api/auth.js';
import { bootConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { findStaffByUsername } from '../db/reference.js';
import { roles, type Role } from '../domain/roles.js';

const username = process.argv[2];
if (!username) {
  process.stderr.write('usage: npm run token -- <username>   (e.g. npm run token -- dispatcher.zhang)\n');
  process.exit(2);
}
const config = bootConfig();
const database = createDb(config.database.url, { max: 1 });
try {
  const person = await findStaffByUsername(database.db, username);
  if (!person) {
    process.stderr.write(`no staff member with username ${username}\n`);
    process.exit(1);
  }
  if (!person.active) {
    process.stderr.write(`${username} is not active\n`);
    process.exit(1);
  }
  const app = Fastify({ logger: false });
  await app.register(authPlugin, { secret: config.auth.jwtSecret, tokenTtl: config.auth.tokenTtl });
  await app.ready();
  const role = roles.includes(person.role as Role) ? (person.role as Role) : 'auditor';
  process.stdout.write(
    `${signToken(app, { sub: person.id, username: person.username, name: person.name, role, properties: person.properties })}\n`,
  );
  await app.close();
} catch (err) {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') {
    process.stderr.write('cannot reach the database: start the system first (npm start), or set DATABASE_URL\n');
    process.exit(1);
  }
  throw err;
} finally {
  await database.close();
}
