import { parseArgs } from 'node:util';
import { systemActor } from '../../audit/actor';
import { AuditModule } from '../../audit/audit.module';
import { signingKeyEnvelopes } from '../../auth/signing-keys';
import { runCommand } from '../../cli';
import { VaultModule } from '../vault.module';
import { VaultAdminService } from '../vault-admin.service';

/**
 * `npm run vault:rewrap [-- --limit <n>]`: re-wraps every data key (or at most n) under
 * VAULT_ACTIVE_KEY, like POST /v1/admin/vault/rewrap; prints the summary and the vault status as
 * JSON. Exit code 0 when nothing is left under an old key, 1 when something is (see `failed`
 * and `remaining`; run it again to go on).
 */
const { values } = parseArgs({ options: { limit: { type: 'string' } } });
const limit = values.limit === undefined ? undefined : Number(values.limit);
if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
  process.stderr.write('--limit must be a positive whole number of data keys\n');
  process.exit(2);
}

runCommand({ imports: [AuditModule, VaultModule], providers: [signingKeyEnvelopes] }, async (app) => {
  const vault = app.get(VaultAdminService);
  const summary = await vault.rewrap(systemActor('vault-rewrap-command'), { limit });
  const status = await vault.status();
  process.stdout.write(`${JSON.stringify({ ...summary, status })}\n`);
  return summary.remaining === 0 ? 0 : 1;
});
