#!/usr/bin/env node
/**
 * Entry point. SIGHUP's default action ends the process, and loading the program (zod, yaml, pino, the
 * settings, the store…) takes half a second or more, longer on a busy or throttled host: a SIGHUP then (a
 * config tool or a reloader sidecar signalling a daemon that has just been (re)started) ended it with exit
 * 129, before it could say anything. So `start` catches it first, from a module that imports nothing, by one
 * listener for the life of the process (removing it would drop a signal not yet handled); the rest of the
 * program (src/run.ts) loads after.
 */
import { hup } from './hup.js';

if ((process.argv[2] ?? 'start') === 'start') process.on('SIGHUP', () => hup.handle());
await import('./run.js');
