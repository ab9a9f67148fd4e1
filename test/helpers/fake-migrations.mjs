/**
 * TEST ONLY — loaded with `node --import` into a spawned daemon by test/integration/state-db-migration.test.ts;
 * it is not under src/, never compiled to dist/, and nothing in the product reads it.
 *
 * Appends schema steps to the built daemon's MIGRATIONS (dist/store/schema-version.js), so the process writes a
 * higher schema version and migrates an older file forward, as a release with a schema change does.
 * WS_TEST_MIGRATIONS lists the steps, comma-separated: `mark` records that it ran (a row in table
 * test_migrations with the version it started from); `throw` does the same, then throws (a step with a bug).
 */
import { MIGRATIONS } from '../../dist/store/schema-version.js';

const steps = (process.env.WS_TEST_MIGRATIONS ?? '').split(',').filter(Boolean);
if (steps.length === 0 || steps.some((s) => s !== 'mark' && s !== 'throw')) throw new Error('fake-migrations: set WS_TEST_MIGRATIONS to a list of mark and throw');
for (const kind of steps) {
  const from = MIGRATIONS.length + 1;
  MIGRATIONS.push((db) => {
    db.exec('CREATE TABLE IF NOT EXISTS test_migrations (seq INTEGER PRIMARY KEY, from_version INTEGER NOT NULL)');
    db.prepare('INSERT INTO test_migrations (from_version) VALUES (?)').run(from);
    if (kind === 'throw') throw new TypeError(`fake-migrations: the step from ${from} fails`);
  });
}
