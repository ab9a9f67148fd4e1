/**
 * What SIGTERM and SIGINT do in `start` before the daemon can stop. Their default action ends the process at
 * once, by the signal (exit 143 or 130, no line said): loading the program and a file of thousands of wallets
 * takes seconds, and a stop then (a rolling restart, a scale-down, Ctrl-C) looked like a crash. src/main.ts
 * catches both first, from this module that imports nothing: the first is remembered in `asked` and handed to
 * `handle`, which src/run.ts replaces once it can stop the daemon (honouring one asked before). A second one
 * ends the process at once, exit 1, as one while stopping does.
 */
export const term: { asked: string | undefined; handle: (signal: string) => void } = { asked: undefined, handle: () => undefined };
