/**
 * Backend selection.
 *
 * At import time this module tries to load the native backend (`../native/index.js`,
 * `loadNativeBackend(): Backend | null`, synchronous), so `getBackend()` is synchronous from the
 * start. A browser build replaces that module with `../native/browser.ts` (no addon).
 * `initBackend()` is kept for callers that want to await the choice (it resolves immediately).
 *
 * Choice: `PEGASUS_BACKEND=native|js`; by default native when it loaded, otherwise js with a single
 * warning "pegasus: native backend not available (reason); using the js backend".
 */
import type { Backend } from '../backend.js';
import { formatProfile, type Profile, profileBackend } from '../profile.js';
import { jsBackend } from './js.js';
import { loadNativeBackend, nativeLoadError } from '../native/index.js';

export type BackendName = 'js' | 'native';

let native: Backend | null = null;
let nativeReason = '';

function envBackend(): string | undefined {
  // `process` does not exist in browsers.
  const v = typeof process !== 'undefined' ? process.env['PEGASUS_BACKEND'] : undefined;
  return v === '' ? undefined : v;
}

const requested = envBackend();
if (requested !== undefined && requested !== 'js' && requested !== 'native') {
  throw new Error(`PEGASUS_BACKEND must be "native" or "js", got "${requested}"`);
}

if (requested === 'js') nativeReason = 'PEGASUS_BACKEND=js';
else {
  try {
    native = loadNativeBackend();
    if (!native) nativeReason = nativeLoadError() ?? 'the addon is not built';
  } catch (e) {
    nativeReason = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
}

// PEGASUS_PROFILE=1: every kernel call timed, a table printed at exit (see profile.ts)
const profiling = typeof process !== 'undefined' && (process.env['PEGASUS_PROFILE'] ?? '') !== '' && process.env['PEGASUS_PROFILE'] !== '0';
const profiles = new Map<Backend, Profile>();
function maybeProfiled(b: Backend): Backend {
  if (!profiling) return b;
  let p = profiles.get(b);
  if (!p) {
    p = profileBackend(b);
    profiles.set(b, p);
    const profile = p;
    process.on('exit', () => process.stderr.write(`${formatProfile(profile)}\n`));
  }
  return p.backend;
}

let current: Backend = maybeProfiled(native ?? jsBackend);
if (requested === 'native' && !native) {
  throw new Error(
    `PEGASUS_BACKEND=native but the native backend is not available (${nativeReason}); ` +
      'build it with `npm rebuild` or unset PEGASUS_BACKEND',
  );
}
// a browser build (src/site) has no native backend by design: no warning there
if (requested === undefined && !native && typeof process !== 'undefined') {
  console.warn(`pegasus: native backend not available (${nativeReason}); using the js backend`);
}

/** The backend every op runs its kernels on. */
export function getBackend(): Backend {
  return current;
}

/** Resolves once the backend choice is made (already true after this module is imported). */
export function initBackend(): Promise<Backend> {
  return Promise.resolve(current);
}

/** Whether the native backend loaded, and if not, why. */
export function nativeBackendStatus(): { available: boolean; reason: string } {
  return { available: native !== null, reason: nativeReason };
}

/** The named backend, or null when it is not available (tests compare the two). */
export function backendByName(name: BackendName): Backend | null {
  return name === 'js' ? jsBackend : native;
}

/** Switches every later op to the named backend; throws when it is not available. */
export function setBackend(name: BackendName): void {
  const b = backendByName(name);
  if (!b) throw new Error(`setBackend: the native backend is not available (${nativeReason})`);
  current = maybeProfiled(b);
}

/**
 * Runs every later op on `b` and returns the backend it replaces: for tools that wrap a backend
 * to record or time its calls (bench/floor.ts).
 * @example const before = useBackend(recording(getBackend())); step(); useBackend(before);
 */
export function useBackend(b: Backend): Backend {
  const before = current;
  current = b;
  return before;
}
