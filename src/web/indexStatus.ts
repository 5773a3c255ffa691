/** Where the training index of `pegasus serve` stands, and how the page is told. */

export type IndexStatus =
  | { readonly state: 'off'; readonly reason: string }
  | { readonly state: 'loading'; readonly done: number; readonly total: number }
  | { readonly state: 'ready'; readonly count: number; readonly fromCache: boolean }
  | { readonly state: 'failed'; readonly reason: string };

/** A one-line account of the index, e.g. for a 503 while it is loading. */
export function describeStatus(s: IndexStatus): string {
  switch (s.state) {
    case 'off':
      return `nearest training images are off: ${s.reason}`;
    case 'failed':
      return `the training index failed: ${s.reason}`;
    case 'loading':
      return s.total === 0
        ? 'the training images are still loading; try again in a moment'
        : `training features are being computed (${s.done} of ${s.total}); try again in a moment`;
    case 'ready':
      return `ready (${s.count} training images)`;
  }
}
