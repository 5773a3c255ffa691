/**
 * `pegasus site`: a static page that draws with the generator on the visitor's machine, with no
 * server: index.html, pegasus-site.js (browser.ts and the engine bundled by esbuild, js backend)
 * and generator.js (the generator's weights, base64 safetensors, with standing batch-norm
 * statistics). Plain scripts, not modules, so the page also works opened straight from the disk.
 */
import { fileURLToPath } from 'node:url';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { writeFolderAtomic } from '../atomicWrite.js';
import { UserError } from '../errors.js';
import { Generator } from '../models/cgan/index.js';
import { encodeSafetensors } from '../nn/safetensors.js';
import { loadGenerator } from '../sample/sampler.js';
import { siteHtml } from './page.js';

/** A module beside this one: the TypeScript source in a checkout, the compiled file in a package. */
function sibling(stem: string): string {
  const ts = fileURLToPath(new URL(`${stem}.ts`, import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL(`${stem}.js`, import.meta.url));
}

/**
 * Browser stand-ins: the engine's native module becomes native/browser (no addon), and Node's
 * built-in modules, which only the file-reading code that the page never calls imports, become
 * empty objects.
 */
const browserPlugin: Plugin = {
  name: 'pegasus-browser',
  setup(b) {
    b.onResolve({ filter: /\/native\/index\.js$/ }, () => ({ path: sibling('../engine/native/browser') }));
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/** The page script, bundled and minified. */
export async function bundlePageScript(): Promise<string> {
  const r = await build({
    entryPoints: [sibling('./browser')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    plugins: [browserPlugin],
  });
  return r.outputFiles[0]!.text;
}

/**
 * Writes the page into `out` (all files, or none).
 * @example await writeSite('models/cgan-pegasus/generator-ema.pgc', 'site');
 */
export async function writeSite(checkpoint: string, out: string): Promise<{ files: string[]; classes: readonly string[] }> {
  const g = loadGenerator(checkpoint);
  if (!(g.generator instanceof Generator)) throw new UserError(`${checkpoint}: the page draws with a class-conditional (cgan) generator`);
  const classes = g.config.train.classes;
  const weights = encodeSafetensors(g.generator.stateDict(), {
    'pegasus.cgan': JSON.stringify(g.config.cgan),
    'pegasus.classes': classes.join(','),
  });
  const script = await bundlePageScript();
  const about =
    `Drawn in your browser by a class-conditional GAN trained from scratch on CIFAR-10 (${classes.join(', ')}): ` +
    'nothing is sent anywhere. Mix the classes with the sliders; the same seed gives the same images as `pegasus sample`.';
  const files: Record<string, string> = {
    'index.html': siteHtml('pegasus: draw a Pegasus', about),
    'pegasus-site.js': script,
    'generator.js': `window.PEGASUS_GENERATOR = "${Buffer.from(weights).toString('base64')}";\n`,
  };
  writeFolderAtomic(out, (into) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(into, name), text);
  });
  return { files: Object.keys(files), classes };
}
