/**
 * What a browser build (src/site) links in place of ./index.ts: the same exports, and no native
 * backend, since a browser cannot load a Node addon. Every op then runs on the js backend.
 */
import type { Backend } from '../backend.js';

export function loadNativeBackend(): Backend | null {
  return null;
}

export function nativeLoadError(): string | null {
  return 'a browser has no native addon';
}

export function setNumThreads(_n: number): boolean {
  return false;
}

export function setConvAlgorithm(_mode: 'auto' | 'direct' | 'winograd'): boolean {
  return false;
}

export function getConvAlgorithm(): 'auto' | 'direct' | 'winograd' {
  return 'auto';
}

export function convWinograd(_g: unknown, _slope?: number): null {
  return null;
}

export function getNumThreads(): number | null {
  return null;
}

export function nativeInfo(): string | null {
  return null;
}
