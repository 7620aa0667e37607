import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Development keys kept under DATA_DIR: read the file, or create it with `generate()` (mode
 * 0600) on first start. Production configures its keys instead; callers refuse there.
 * Returns whether the key was created now, so the caller can warn loudly.
 */
export async function readOrCreateKeyFile(file: string, generate: () => Promise<string> | string): Promise<{ text: string; created: boolean }> {
  if (existsSync(file)) return { text: (await readFile(file, 'utf8')).trim(), created: false };
  await mkdir(dirname(file), { recursive: true });
  const text = await generate();
  try {
    // 'wx': if another process created it meanwhile, keep theirs.
    await writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
    return { text, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { text: (await readFile(file, 'utf8')).trim(), created: false };
    throw error;
  }
}
