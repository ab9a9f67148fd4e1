#!/usr/bin/env node
/**
 * Entry point. SIGHUP's default action ends the process, and loading the program (zod, yaml, pino, the
 * settings, the store…) takes half a second or more, longer on a busy or throttled host: a SIGHUP then (a
 * config tool or a reloader sidecar signalling a daemon that has just been (re)started) ended it with exit
 * 129, before it could say anything. So `start` catches it first, from a module that imports nothing, by one
 * listener for the life of the process (removing it would drop a signal not yet handled); the rest of the
 * program (src/run.ts) loads after. SIGTERM and SIGINT likewise (src/term.ts): a stop asked while the
 * program loads is honoured once it can stop (exit 0, nothing polled). Only `start`: the other commands end
 * by the signal as any command-line tool does.
 */
import { hup } from './hup.js';
import { term } from './term.js';

if ((process.argv[2] ?? 'start') === 'start') {
  process.on('SIGHUP', () => hup.handle());
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (term.asked !== undefined) process.exit(1); // a second one means now (run.ts's EXIT.crash)
      term.asked = sig;
      term.handle(sig);
    });
  }
}
await import('./run.js');
