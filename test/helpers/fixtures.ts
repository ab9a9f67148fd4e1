/** Shared fixtures for unit tests and benchmarks. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import type { RuleSettings } from '../../src/config/settings.js';

/** The rule settings of an empty environment: the documented defaults, read from the loader itself. */
export const DEFAULT_RULES: RuleSettings = loadSettings({}, { cwd: mkdtempSync(join(tmpdir(), 'ws-defaults-')), requireApiKey: false }).settings.rules;
