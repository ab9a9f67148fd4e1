/**
 * What SIGHUP does in `start`: until the daemon can reload, it is remembered, for a reload once started (the
 * file may have changed after it was read). A module of its own that imports nothing, so that the entry
 * point can catch SIGHUP before the rest of the program loads (src/main.ts).
 */
export const hup: { pending: boolean; handle: () => void } = { pending: false, handle: () => void (hup.pending = true) };
