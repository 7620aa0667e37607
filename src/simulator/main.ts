/**
 * MyInvois identity simulator: stands in for LHDN MyInvois's OAuth token endpoint in tests,
 * benchmarks and demos, following what MyInvois's identity service does (README.md, "The MyInvois
 * simulator"). State lives in memory.
 *
 * Token endpoint, as MyInvois:
 *   POST /connect/token                form body: client_id, client_secret, grant_type=client_credentials,
 *                                      scope=InvoicingAPI (optional); header `onbehalfof: TIN[:BRN]` for
 *                                      intermediaries. 200 `{ access_token, token_type, expires_in, scope }`,
 *                                      400 `{ error, error_description }`, 429 with Retry-After and
 *                                      X-Rate-Limit-{Limit,Remaining,Reset} (Reset on the 429 only); every
 *                                      answer that is not a token carries a `correlationId` header.
 *
 * Control API (JSON; bad input is a 400 naming the field, an unknown client ID a 404):
 *   GET    /_sim/health                       { ok: true }
 *   GET    /_sim/jwks                         the public key that signs access tokens (RS256, with kid)
 *   POST   /_sim/clients                      { clientId, secrets: [s1] | [s1, s2], kind: taxpayer|intermediary,
 *                                               tin, brn?, allowedOnBehalfOf?: (TIN|TIN:BRN)[], blocked?,
 *                                               rateLimitPerMinute?, tokenTtlSeconds?, tokenShape?: 2025|2024 }
 *                                             201 when new, 200 when it replaced a client with that ID
 *   GET    /_sim/clients                      every client (secrets included: this API is for tests)
 *   GET    /_sim/clients/:clientId
 *   PATCH  /_sim/clients/:clientId            any of secrets, blocked, allowedOnBehalfOf, tokenShape,
 *                                             rateLimitPerMinute, tokenTtlSeconds (null: back to the default)
 *   DELETE /_sim/clients/:clientId            204
 *   GET    /_sim/faults                       { global, clients: { [clientId]: fault } }
 *   PUT    /_sim/faults                       global fault: { kind: none|status|latency|hang|non_json|empty|
 *                                               gateway|oauth_error, status?, latencyMs?, retryAfterSeconds?,
 *                                               error?, description? (oauth_error), remaining? }
 *   PUT    /_sim/clients/:clientId/faults     the same, for requests with that client_id; wins over the global one
 *   DELETE /_sim/faults                       clears every fault, global and per client (204)
 *   GET    /_sim/counters                     { total: Counters, clients: { [clientId]: Counters } }
 *   GET    /_sim/clients/:clientId/counters   Counters = { requests, logins, failures, rateLimited,
 *                                               faultsServed, placeholderCalls, inFlight, maxInFlight }
 *   GET    /_sim/clients/:clientId/logins     successful logins, oldest first:
 *                                             [{ at, onBehalfOf, scope, secret: 1|2, expiresAt, jti }]
 *   GET    /_sim/clients/:clientId/failures   the newest 200 answers that were not a token, oldest first:
 *                                             [{ at, status, correlationId, retryAfterSeconds? }]
 *   POST   /_sim/counters/reset               zeroes counters, login logs and rate-limit windows (204)
 *
 * Faults run before the rate limit and the credential checks and use no rate-limit slot; a
 * `latency` fault then lets the request go on as usual (so it counts as a fault served and
 * then as whatever it becomes). Faults, counters and logins are keyed by the `client_id` a
 * request carried, registered or not, and outlive DELETE of the client.
 *
 * Configuration: SIMULATOR_HOST, SIMULATOR_PORT, SIMULATOR_TOKEN_TTL_SECONDS,
 * SIMULATOR_RATE_LIMIT_PER_MINUTE, SIMULATOR_RATE_LIMIT_WINDOW_SECONDS, SIMULATOR_CLIENTS_FILE
 * (a JSON array of POST /_sim/clients bodies), SIMULATOR_ISSUER, LOG_LEVEL (config/simulator-environment.ts).
 */
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import pino from 'pino';
import { exitGracefullyOnSignals } from '../common/graceful-shutdown';
import { ConfigurationError } from '../config/environment-validation';
import { loadSimulatorConfig, SimulatorConfig } from '../config/simulator-config';
import { ClientsFileError, readClientsFile } from './clients/clients-file';
import { RegisterClientDto } from './clients/dto/register-client.dto';
import { createSimulatorApp } from './simulator-app';
import { simulatorPinoOptions } from './simulator-logging';

/** Hung requests are dropped at once; this only bounds a shutdown that is stuck for another reason. */
const SHUTDOWN_DEADLINE_MS = 5000;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const clients = loadClientsOrExit(config);
  const log = pino(simulatorPinoOptions(config));

  const app = await createSimulatorApp(config, clients);
  await app.listen({ port: config.http.port, host: config.http.host });
  log.info({ address: await app.getUrl(), clients: clients.length, issuer: config.tokens.issuer }, 'MyInvois simulator is listening');

  exitGracefullyOnSignals({
    log,
    graceMs: SHUTDOWN_DEADLINE_MS,
    announcement: 'shutting down: dropping hung requests, finishing the others',
    close: () => app.close(),
  });
}

function loadConfigOrExit(): SimulatorConfig {
  try {
    return loadSimulatorConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) exitWith(error.message);
    throw error;
  }
}

function loadClientsOrExit(config: SimulatorConfig): RegisterClientDto[] {
  if (config.clientsFile === undefined) return [];
  try {
    return readClientsFile(config.clientsFile);
  } catch (error) {
    if (error instanceof ClientsFileError) exitWith(`SIMULATOR_CLIENTS_FILE: ${error.message}`);
    throw error;
  }
}

function exitWith(message: string): never {
  // Synchronous, so the message is out before the process exits.
  writeSync(2, `myinvois-simulator cannot start. ${message}\n`);
  process.exit(1);
}

main().catch((error: unknown) => {
  writeSync(2, `myinvois-simulator failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
