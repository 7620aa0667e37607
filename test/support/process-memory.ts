import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** The ways a key could sit in memory or an environment: raw bytes, hex, base64 (and url-safe). */
export function encodingsOfKey(key: Buffer): Buffer[] {
  return [key, Buffer.from(key.toString('hex')), Buffer.from(key.toString('base64')), Buffer.from(key.toString('base64url'))];
}

/** Which of `needles` the bytes hold (by index). */
export function foundIn(haystack: Buffer, needles: Buffer[]): number[] {
  return needles.flatMap((needle, index) => (haystack.includes(needle) ? [index] : []));
}

/**
 * Every readable mapping of a running process's memory (root reads /proc/<pid>/mem), searched for
 * the needles; returns which were found and how many bytes were read.
 */
export function scanProcessMemory(pid: number, needles: Buffer[]): { found: number[]; bytesRead: number } {
  const found = new Set<number>();
  let bytesRead = 0;
  const longest = Math.max(...needles.map((needle) => needle.length));
  const mem = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter(Boolean)) {
      const [range, perms, , , , path = ''] = line.split(/\s+/);
      if (!perms.startsWith('r') || path === '[vvar]' || path === '[vsyscall]') continue;
      const [start, end] = range.split('-').map((hex) => BigInt(`0x${hex}`));
      const chunk = Buffer.alloc(16 * 1024 * 1024);
      // Chunks overlap by a needle's length, so one split across two is still seen.
      for (let at = start; at < end; at += BigInt(chunk.length - longest)) {
        const length = Number(end - at < BigInt(chunk.length) ? end - at : BigInt(chunk.length));
        let read = 0;
        try {
          read = readSync(mem, chunk, 0, length, at);
        } catch {
          break; // a mapping the kernel will not show (a device's, a guard page)
        }
        bytesRead += read;
        for (const index of foundIn(chunk.subarray(0, read), needles)) found.add(index);
        if (read < length) break;
      }
    }
  } finally {
    closeSync(mem);
  }
  return { found: [...found].sort(), bytesRead };
}
