/**
 * Checks on output paths, made before any long work starts, so that a command that cannot write
 * its result fails in a second with one line instead of after minutes with a stack trace; and the
 * one-line message for a file-system error that still reaches the command line.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from './errors.js';

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined; // missing, or below a file (ENOTDIR): the walk up finds out which
  }
}

/**
 * The nearest existing folder at or above `dir`, after checking that it is a folder and that this
 * process can create entries in it (a probe folder is made and removed: permission bits alone do
 * not tell, e.g. for root or on a read-only file system).
 */
function writableAncestor(dir: string, flag: string, target: string): string {
  let at = dir;
  for (;;) {
    const s = stat(at);
    if (s !== undefined) {
      if (!s.isDirectory()) throw new UserError(`${flag} ${target}: ${at} is a file, not a folder; choose another path`);
      break;
    }
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  try {
    rmdirSync(mkdtempSync(join(at, '.pegasus-probe-')));
  } catch (err) {
    throw new UserError(`${flag} ${target}: cannot write in ${at} (${errnoCode(err) ?? 'error'}); choose a folder you can write`);
  }
  return at;
}

/**
 * An output folder (created if missing): refuses a path that is a file or lies below one, and a
 * place this process cannot write.
 * @example assertOutFolder(o.out, '--out');
 */
export function assertOutFolder(dir: string, flag: string): void {
  const s = stat(dir);
  if (s !== undefined && !s.isDirectory()) throw new UserError(`${flag} ${dir} is a file, not a folder; choose another path`);
  writableAncestor(s === undefined ? dirname(dir) : dir, flag, dir);
}

/** What kind of file an output is, to tell one pegasus wrote from one it must not replace. */
export interface OutputKind {
  /** For messages: "a PNG", "an SVG". */
  readonly name: string;
  /** Whether the first bytes of an existing file are of this kind. */
  readonly matches: (head: Buffer) => boolean;
}

export const PNG_OUTPUT: OutputKind = {
  name: 'a PNG',
  matches: (h) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
};
export const SVG_OUTPUT: OutputKind = { name: 'an SVG', matches: (h) => /^\s*(<\?xml|<svg)/.test(h.toString('latin1')) };
export const PDF_OUTPUT: OutputKind = { name: 'a PDF', matches: (h) => h.toString('latin1').startsWith('%PDF') };
export const HTML_OUTPUT: OutputKind = { name: 'an HTML page', matches: (h) => /^\s*<(!doctype|html)/i.test(h.toString('latin1')) };
export const JSON_OUTPUT: OutputKind = { name: 'a JSON file', matches: (h) => /^\s*[{[]/.test(h.toString('latin1')) };

/**
 * An output file: refuses a folder, a device, a path below a file, an unwritable place, and an
 * existing file of another kind than `kind` (one pegasus did not write) unless `force`.
 * @example assertOutFile(o.out, '--out', PNG_OUTPUT, o.force);
 */
export function assertOutFile(path: string, flag: string, kind: OutputKind, force = false, forceFlag = '--force'): void {
  const s = stat(path);
  if (s?.isDirectory()) throw new UserError(`${flag} ${path} is a folder; give a file name`);
  if (s !== undefined) {
    if (!s.isFile()) throw new UserError(`${flag} ${path} is not a regular file; choose another path`);
    const head = Buffer.alloc(16);
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r+');
      readSync(fd, head, 0, head.length, 0);
    } catch (err) {
      throw new UserError(`${flag} ${path}: cannot replace it (${errnoCode(err) ?? 'error'}); choose another path`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (!force && !kind.matches(head)) {
      const how = forceFlag === '' ? 'remove it first' : `add ${forceFlag} to replace it`;
      throw new UserError(`${flag} ${path} exists and is not ${kind.name}; choose another path (or ${how})`);
    }
  }
  writableAncestor(dirname(path), flag, path);
}

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const ADVICE: Record<string, string> = {
  EACCES: 'permission denied; choose a path you can write, or change its permissions',
  EPERM: 'operation not permitted; choose a path you can write',
  EROFS: 'the file system is read-only; choose another path',
  EISDIR: 'it is a folder; give a file name',
  ENOTDIR: 'a part of the path is a file, not a folder; choose another path',
  EEXIST: 'it already exists; choose another path or remove it',
  ENOENT: 'no such file or folder; check the path',
  ENOSPC: 'the disk is full; free some space and run again',
  EDQUOT: 'the disk quota is used up; free some space and run again',
  EIO: 'input/output error; choose another path',
  EMFILE: 'too many open files; close other programs and run again',
  ENAMETOOLONG: 'the name is too long; choose a shorter path',
};

/**
 * The one-line message for a file-system error (an Error with `code` and `path`, as Node's fs
 * throws), or undefined for any other error.
 * @example fsErrorMessage(err) // "cannot open runs/a/x.png: permission denied; …"
 */
export function fsErrorMessage(err: unknown): string | undefined {
  const code = errnoCode(err);
  const path = (err as { path?: unknown } | null)?.path;
  if (code === undefined || typeof path !== 'string' || ADVICE[code] === undefined) return undefined;
  const syscall = (err as { syscall?: unknown }).syscall;
  const dest = (err as { dest?: unknown }).dest;
  const verb = typeof syscall === 'string' ? syscall : 'use';
  return `cannot ${verb} ${path}${typeof dest === 'string' ? ` → ${dest}` : ''}: ${ADVICE[code]}`;
}
