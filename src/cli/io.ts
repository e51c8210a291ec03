/**
 * What every CLI mode shares, in a module of its own so that the modes
 * never import main.ts (no import circle in src/cli): the I/O streams, the
 * common options (already in milliseconds — seconds are converted once, in
 * main.ts) and the header's node label. Writing to stdout: output.ts.
 */
import { hostname } from 'node:os';
import type { Address } from '../protocol/address.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Options every mode takes; times in milliseconds. */
export interface CommonOptions {
  /** Refresh interval (`-f SECONDS`), ms. */
  intervalMs: number;
  /** Deadline of one read (`-t SECONDS`), ms. */
  timeoutMs: number;
  /** Size cap of one document, bytes. */
  maxBytes: number;
}

/** The "node" shown in the header: this host for local sockets, else the address's host. */
export function nodeLabel(addr: Address): string {
  switch (addr.kind) {
    case 'unix':
    case 'abstract':
      return hostname();
    case 'tcp':
      return isLoopback(addr.host) ? hostname() : addr.host;
    case 'http':
      return isLoopback(addr.url.hostname.replace(/^\[|\]$/g, '')) ? hostname() : addr.url.host;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
