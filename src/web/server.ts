/**
 * The HTTP side of `pegasus serve` (fastify): the static page and a small JSON API.
 *
 *   GET  /                 the page (public/index.html, app.js, style.css; no build step)
 *   GET  /api/status       the model (classes read from the checkpoint), limits, neighbour index state
 *   POST /api/render       { items: ImageSettings[] } → images with scores, and the best one
 *   POST /api/neighbours   { settings, k } → the image, its scores and its nearest training images
 *   GET  /api/saved        the images `pegasus generate` chose (saved.ts), when its folder exists
 *   GET  /api/runs         the run folders under --runs: step, losses (SVG), newest sample grid (runs.ts)
 *
 * Every body is validated by schemas.ts (400 with a reason). This thread never runs the engine:
 * drawing, scoring and the search among the 50,000 training images run in the compute worker
 * (compute.ts), and each request is bounded (at most LIMITS.maxImages images, ~0.1 s).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { ComputeError, type Compute } from './compute.js';
import { describeStatus } from './indexStatus.js';
import { listRuns } from './runs.js';
import { readSavedGallery } from './saved.js';
import { ajvOptions, formatSchemaErrors, LIMITS, neighboursSchema, renderSchema } from './schemas.js';
import type { ImageSettings } from './settings.js';

export interface ServerOptions {
  /** The compute worker (startCompute). */
  readonly compute: Compute;
  /** Output folder of `pegasus generate` shown beside the gallery (out). */
  readonly savedFolder?: string;
  /** Folder whose run folders the page lists, live while they train (runs). */
  readonly runsFolder?: string;
  /** Log each request (fastify's logger); off in tests. */
  readonly logger?: boolean;
  /** The address the server listens on (--host): requests must name it or localhost in their Host header. */
  readonly host?: string;
}

/**
 * Whether a request's Host header names this server: localhost, the listening address, or (when
 * listening on every interface) an IP address or this machine's name. A page on another site that
 * points its own domain name at 127.0.0.1 (DNS rebinding) sends its domain here and is refused.
 */
export function hostAllowed(header: string | undefined, listenHost = '127.0.0.1'): boolean {
  if (header === undefined) return false;
  const name = header
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name.endsWith('.localhost') || name === '127.0.0.1' || name === '::1') return true;
  const listen = listenHost.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === listen) return true;
  return (listen === '0.0.0.0' || listen === '::') && (isIP(name) !== 0 || name === hostname().toLowerCase());
}

/** An AbortSignal that fires when the client goes away before its answer is sent. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The page's files and their types; nothing else is served from disk. */
const STATIC: Readonly<Record<string, readonly [file: string, type: string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

/**
 * The folder of the page: src/web/public beside this file when run from source; from dist/web
 * (after `npm run build`, which compiles only .ts) the same folder under src/.
 */
export function publicDir(): string {
  for (const rel of ['./public/', '../../src/web/public/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error('pegasus serve: the page (src/web/public/index.html) is missing from this installation');
}

/**
 * Builds the app (not listening yet: tests call `inject`, the CLI calls `listen`).
 * @example const app = buildServer({ compute: await startCompute({ generator, classifier }) }); await app.listen({ port: 8080 });
 */
export function buildServer(o: ServerOptions): FastifyInstance {
  const { compute } = o;
  const classes = compute.info.classes;
  const app = Fastify({
    logger: o.logger ?? false,
    ajv: ajvOptions,
    schemaErrorFormatter: formatSchemaErrors(classes),
    bodyLimit: 256 * 1024,
  });
  const dir = publicDir();

  app.addHook('onRequest', async (req, reply) => {
    if (hostAllowed(req.headers.host, o.host)) return;
    const message = `Host "${req.headers.host ?? ''}" is not this server; open the page at http://localhost/ on this machine, or start pegasus serve with --host set to the name used`;
    return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message });
  });

  for (const [route, [file, type]] of Object.entries(STATIC)) {
    app.get(route, async (_req, reply) =>
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        .send(await readFile(dir + file)),
    );
  }

  app.get('/api/status', async () => ({
    model: compute.info,
    limits: LIMITS,
    neighbours: { ...compute.status(), message: describeStatus(compute.status()) },
  }));

  /** A compute request, or 503 with the reason when the worker cannot take it now. */
  const orUnavailable = async <T>(reply: FastifyReply, work: () => Promise<T>) => {
    try {
      return await work();
    } catch (e) {
      if (!(e instanceof ComputeError && e.unavailable)) throw e;
      return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: e.message });
    }
  };

  app.post<{ Body: { items: ImageSettings[] } }>('/api/render', { schema: renderSchema(classes) }, async (req, reply) =>
    orUnavailable(reply, () => compute.render(req.body.items, clientGone(reply))),
  );

  app.post<{ Body: { settings: ImageSettings; k: number } }>(
    '/api/neighbours',
    { schema: neighboursSchema(classes) },
    async (req, reply) => {
      const status = compute.status();
      if (status.state !== 'ready')
        return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: describeStatus(status) });
      return orUnavailable(reply, () => compute.neighbours(req.body.settings, req.body.k, clientGone(reply)));
    },
  );

  app.get('/api/saved', async () => {
    const folder = o.savedFolder ?? 'out';
    return (await readSavedGallery(folder)) ?? { folder, images: [] };
  });

  app.get('/api/runs', async () => {
    const folder = o.runsFolder ?? 'runs';
    return { folder, runs: listRuns(folder) };
  });

  app.addHook('onClose', async () => compute.close());
  return app;
}
