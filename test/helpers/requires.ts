/**
 * What some tests need from the machine beyond Node: the native addon (oneDNN) and Chromium.
 * Where one is missing the tests that need it are skipped, with the reason, except in CI
 * (CI=true), which installs both (.ci/run): there a missing one also adds a failing test, so that a
 * broken install fails the run instead of passing it with tests quietly skipped.
 */
import { test } from 'node:test';
import { nativeBackendStatus } from '../../src/engine/index.js';
import { findChromium } from '../../src/report/chromium.js';

/** Whether this is a CI run, which must have everything (the convention of GitHub Actions and most CI services). */
export const inCi = process.env['CI'] === 'true';

/**
 * The `skip` option for tests that need `what`: false when it is there (`missing` is null), else the
 * reason; in CI a missing `what` also registers a test that fails with the reason.
 * @example test('gemm matches js', { skip: requires('the native backend', nativeLoadError()) }, () => { … });
 */
export function requires(what: string, missing: string | null): string | false {
  if (missing === null) return false;
  const reason = `${what} is unavailable: ${missing}`;
  if (inCi) {
    test(`CI=true requires ${what}`, () => {
      throw new Error(`${reason}; CI installs it (.ci/run), so its tests fail instead of being skipped`);
    });
  }
  return reason;
}

/** `requires` for the native backend (one check per test file). */
export function requiresNative(): string | false {
  const s = nativeBackendStatus();
  return requires('the native backend', s.available ? null : s.reason);
}

/** `requires` for headless Chromium ($PEGASUS_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH). */
export function requiresChromium(): string | false {
  const set = process.env['PEGASUS_CHROMIUM'];
  const why = set
    ? `PEGASUS_CHROMIUM=${set} does not exist`
    : 'none of chromium, chromium-browser, google-chrome is on PATH (or set PEGASUS_CHROMIUM)';
  return requires('headless Chromium', findChromium() === null ? why : null);
}
