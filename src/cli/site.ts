/** `pegasus site`: the static page that draws in the browser (src/site/site.ts). */
import { join, resolve } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { COMMITTED_MODELS } from '../models/committed.js';
import { assertOutFolder } from '../outPath.js';
import { writeSite } from '../site/site.js';
import { withPackageDefaults } from './defaults.js';

export function siteCommand() {
  return new Command('site')
    .description(
      'Write a static web page that draws Pegasi, classes and mixtures in the browser with no server ' +
        '(index.html, pegasus-site.js, generator.js): open index.html, or put the folder on any static host.',
    )
    .option('--checkpoint <file>', 'class-conditional GAN generator', COMMITTED_MODELS.pegasus)
    .option('--out <dir>', 'output folder', 'site')
    .action(async (given, cmd) => {
      const o = withPackageDefaults(cmd, given, ['checkpoint']);
      assertOutFolder(o.out, '--out');
      const t0 = performance.now();
      const { files, classes } = await writeSite(o.checkpoint, o.out);
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`wrote ${files.join(', ')} to ${o.out} (${classes.length} classes: ${classes.join(', ')}; ${secs} s)`);
      console.log(`open it: file://${resolve(join(o.out, 'index.html'))}`);
    });
}
