/**
 * The archive container, through fflate (zip and unzip in one small,
 * dependency-free, typed package; a zip opens with a double click on every
 * desktop, which is the point of an export people can read).
 */
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { MemoryError } from '../errors.js';

export interface ZipLimits {
  /** Sum of the entries' sizes once extracted. */
  maxBytes: number;
  maxEntries: number;
}

export function buildZip(files: ReadonlyMap<string, string>, mtime: Date): Uint8Array {
  const entries: Zippable = {};
  for (const [name, text] of files) entries[name] = [strToU8(text), { mtime }];
  return zipSync(entries, { level: 6 });
}

/**
 * Reads every entry, within the limits. fflate extracts each
 * entry into a buffer of its declared size and stops there, so a zip that
 * lies about sizes cannot make this allocate more than `maxBytes`; what it
 * truncates then fails the manifest's sha256 check.
 */
export function readZip(data: Uint8Array, limits: ZipLimits): Map<string, Uint8Array> {
  let total = 0;
  let count = 0;
  let tooBig = false;
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(data, {
      filter: (file) => {
        if (file.name.endsWith('/')) return false; // directory entries carry nothing
        count += 1;
        total += file.originalSize;
        if (count > limits.maxEntries || total > limits.maxBytes) tooBig = true;
        return !tooBig;
      },
    });
  } catch (error) {
    throw new MemoryError(`The file is not a readable zip archive (${(error as Error).message}).`);
  }
  if (tooBig) {
    throw new MemoryError(`The archive is too large: at most ${limits.maxEntries} files and ${limits.maxBytes} bytes once extracted.`);
  }
  return new Map(Object.entries(raw));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8: a file that is not valid text is refused rather than stored with replacement characters. */
export function decodeText(name: string, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new MemoryError(`${name} is not valid UTF-8 text.`);
  }
}
