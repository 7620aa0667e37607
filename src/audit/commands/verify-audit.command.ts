import { parseArgs } from 'node:util';
import { runCommand } from '../../cli';
import { AuditVerifier } from '../audit-verifier';

/**
 * `npm run audit:verify [-- --from <ISO date> --to <ISO date>]`: recomputes the audit chain,
 * prints the result as JSON, and exits 0 when it holds, 1 when it is broken (for cron/alerts).
 */
const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
const from = values.from ? new Date(values.from) : undefined;
const to = values.to ? new Date(values.to) : undefined;
if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime()))) {
  process.stderr.write('--from and --to must be ISO 8601 dates\n');
  process.exit(2);
}

runCommand({ providers: [AuditVerifier] }, async (app) => {
  const result = await app.get(AuditVerifier).verify({ from, to });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
});
