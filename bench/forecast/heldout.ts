/** The held-out kinds (filled in below). */
import type { Kind } from './corpus.js';

export const HELDOUT_KINDS: readonly Kind[] = [];
