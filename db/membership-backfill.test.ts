/** The membership_role_active migration moves each person's role and active flag onto every membership they hold. */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDatabase, type TestDatabase } from '../test/harness/db.js';
import { migrationsFolder, runMigrations } from './index.js';

let database: TestDatabase;
let before: string;

/** A copy of the migrations folder holding only those before the one named `name` (whatever its number): the schema as it was. */
async function migrationsBefore(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  await mkdir(path.join(dir, 'meta'));
  const journal = JSON.parse(await readFile(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag.replace(/^\d+_/, '') === name);
  if (at < 0) throw new Error(`no migration named ${name}`);
  const entries = journal.entries.slice(0, at);
  await writeFile(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const e of entries) await copyFile(path.join(migrationsFolder, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

beforeAll(async () => {
  database = await emptyDatabase();
  before = await migrationsBefore('membership_role_active');
});
afterAll(async () => {
  await database?.drop();
  if (before) await rm(before, { recursive: true, force: true });
});

describe('the membership migration', () => {
  it("gives every existing membership its person's role and active flag", async () => {
    await migrate(drizzle(database.pool), { migrationsFolder: before });
    const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
    await q(`INSERT INTO properties (id, name, kind) VALUES ('north', 'North', 'residential'), ('south', 'South', 'office')`);
    const liu = (await q(`INSERT INTO staff (username, name, role, active) VALUES ('tech.liu', 'Liu', 'technician', true) RETURNING id`)).rows[0].id as string;
    const gone = (await q(`INSERT INTO staff (username, name, role, active) VALUES ('gone.wang', 'Wang', 'dispatcher', false) RETURNING id`)).rows[0].id as string;
    await q(`INSERT INTO staff_memberships (staff_id, property_id) VALUES ($1, 'north'), ($1, 'south'), ($2, 'north')`, [liu, gone]);

    await runMigrations(database);

    const rows = await q(`SELECT s.username, m.property_id, m.role, m.active FROM staff_memberships m JOIN staff s ON s.id = m.staff_id ORDER BY 1, 2`);
    expect(rows.rows).toEqual([
      { username: 'gone.wang', property_id: 'north', role: 'dispatcher', active: false },
      { username: 'tech.liu', property_id: 'north', role: 'technician', active: true },
      { username: 'tech.liu', property_id: 'south', role: 'technician', active: true },
    ]);
    await expect(q(`INSERT INTO staff_memberships (staff_id, property_id) VALUES ($1, 'south')`, [gone])).rejects.toThrow(/null value in column "role"/);
  });
});
