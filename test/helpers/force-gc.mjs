// Loaded with `node --expose-gc --import <this file>`: forces a full garbage collection every 20 ms, so a
// deadline that is only weakly held (nodejs/node#57736) is collected long before it would fire.
if (typeof globalThis.gc !== 'function') throw new Error('force-gc.mjs needs node --expose-gc');
setInterval(() => globalThis.gc(), 20).unref();
