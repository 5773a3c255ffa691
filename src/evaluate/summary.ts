/**
 * The readable summary `pegasus evaluate` prints: one table per group, one row per scored set, with
 * the generated set first and the reference rows (real test images, blurred, class mean + noise)
 * below it, so every figure can be read against the floor and the baselines.
 */
import type { EvaluationReport, SetScores } from './evaluate.js';

function table(title: string, note: string, header: string[], body: (s: SetScores) => string[], sets: readonly SetScores[]): string {
  const rowsText = [header, ...sets.map((s) => [s.name, ...body(s)])];
  const widths = header.map((_, i) => Math.max(...rowsText.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [`${title} — ${note}`, `  ${fmt(header)}`, ...sets.map((s) => `  ${fmt([s.name, ...body(s)])}`)].join('\n');
}

const f = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The four groups as aligned text tables. */
export function formatSummary(r: EvaluationReport): string {
  const out: string[] = [];
  out.push(`generator: ${r.generator}`);
  out.push(`classifier: ${r.classifier}; classes: ${r.classes.join(', ')}; ${r.sets[0]?.count ?? 0} images per set`);
  out.push('');
  out.push(
    table(
      'RECOGNISABILITY',
      'does the classifier see the intended class? (higher is better)',
      ['set', 'p(class)', 'top-1'],
      (s) => [f(s.recognisability.meanProbability), pct(s.recognisability.top1)],
      r.sets,
    ),
  );
  out.push('');
  out.push(
    table(
      'REALISM',
      'distance to the training images in classifier features (FD, KID: lower is better; P/R/D/C: higher)',
      ['set', 'FD', 'KID', 'FD/class', 'precision', 'recall', 'density', 'coverage'],
      (s) => {
        const pc = Object.values(s.realism.perClass);
        const meanFd = pc.reduce((a, b) => a + b.fd, 0) / Math.max(1, pc.length);
        return [
          f(s.realism.fd, 2),
          f(s.realism.kid, 4),
          f(meanFd, 2),
          f(s.realism.precision),
          f(s.realism.recall),
          f(s.realism.density),
          f(s.realism.coverage),
        ];
      },
      r.sets,
    ),
  );
  out.push('');
  out.push(
    table(
      'UNIQUENESS',
      'distance to the nearest of all 50,000 training images (much closer than real test images = copies)',
      ['set', 'queries', 'pixel NN median', 'pixel NN min', 'feature NN median', 'closer than 95% of real', 'exact copies'],
      (s) => [
        String(s.uniqueness.queries),
        f(s.uniqueness.pixel.median, 2),
        f(s.uniqueness.pixel.min, 2),
        f(s.uniqueness.feature.median, 2),
        pct(s.uniqueness.closerThanRealP05),
        pct(s.uniqueness.exactCopies),
      ],
      r.sets,
    ),
  );
  out.push('');
  const real = r.sets.find((s) => s.name.startsWith('real'));
  out.push(
    table(
      'DIVERSITY',
      'mean pairwise feature distance within each class (≈ real is best; near 0 = mode collapse)',
      ['set', 'mean pairwise', 'ratio to real'],
      (s) => [f(s.diversity.meanPairwise, 2), real ? f(s.diversity.meanPairwise / real.diversity.meanPairwise, 2) : '—'],
      r.sets,
    ),
  );
  if (r.concept) {
    const c = r.concept;
    out.push('');
    out.push(`CONCEPT ${c.spec} (${c.count} images)`);
    out.push(
      `  probability mass: ${Object.entries(c.massPerComponent)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join(', ')}; all components ${f(c.massTotal)}`,
    );
    const top = Object.entries(c.meanProbs)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4);
    out.push(`  most probable classes: ${top.map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
    out.push(
      `  FD to the component classes ${f(c.fdToComponents, 2)}; pixel NN median ${f(c.nearestTrainPixel.median, 2)}; mean pairwise ${f(c.meanPairwise, 2)}`,
    );
  }
  return out.join('\n');
}
