import { systemActor } from '../../common/actor';
import { AuditModule } from '../../audit/audit.module';
import { signingKeyEnvelopes } from '../../auth/signing-keys/signing-keys';
import { DATABASE_USAGE, fail, parseCommandLine, runCommand } from '../../commands/command-line';
import { VaultModule } from '../vault.module';
import { VaultAdminService } from '../vault-admin.service';

const USAGE = `Usage: npm run vault:rewrap [-- [--limit <n>]]

Re-wraps every data key (or at most n) under VAULT_ACTIVE_KEY, like POST /v1/admin/vault/rewrap,
and prints the summary and the vault status as JSON. Exits 0 when nothing is left under an old
key, 1 when something is (see failed and remaining; run it again to go on), 2 when it could not
run. Needs a build (npm run build) and the service's VAULT_KEYS and VAULT_ACTIVE_KEY.

  --limit <n>  stop after n data keys
  -h, --help   print this and exit

${DATABASE_USAGE}`;

/** `npm run vault:rewrap`: the step of a master key rotation that moves the data keys. */
const values = parseCommandLine(USAGE, { limit: { type: 'string' } });
const limit = values.limit === undefined ? undefined : Number(values.limit);
if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) fail(`--limit must be a positive whole number of data keys\n\n${USAGE}`);

runCommand({ imports: [AuditModule, VaultModule], providers: [signingKeyEnvelopes] }, async (app) => {
  const vault = app.get(VaultAdminService);
  const summary = await vault.rewrap(systemActor('vault-rewrap-command'), { limit });
  const status = await vault.status();
  process.stdout.write(`${JSON.stringify({ ...summary, status })}\n`);
  return summary.remaining === 0 ? 0 : 1;
});
