import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { RegisterClientDto } from './dto/register-client.dto';

/** The clients file cannot be used; lists every problem at once, like a bad environment. */
export class ClientsFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`The clients file ${path} cannot be used:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ClientsFileError';
  }
}

/**
 * Reads `SIMULATOR_CLIENTS_FILE`: a JSON array of `POST /_sim/clients` bodies, validated by the
 * same DTO with the same strictness (unknown fields refused). Framework-free: runs before Nest.
 */
export function readClientsFile(path: string): RegisterClientDto[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ClientsFileError(path, [`it cannot be read: ${error instanceof Error ? error.message : String(error)}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ClientsFileError(path, [`it is not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  if (!Array.isArray(parsed)) throw new ClientsFileError(path, ['it must hold a JSON array of client definitions']);

  const problems: string[] = [];
  const clients: RegisterClientDto[] = [];
  const seen = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`[${index}] must be an object`);
      return;
    }
    const client = plainToInstance(RegisterClientDto, entry);
    const errors = validateSync(client, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
    problems.push(...errors.flatMap((error) => describe(error, index)));
    if (errors.length > 0) return;
    if (seen.has(client.clientId)) problems.push(`[${index}].clientId ${client.clientId} appears more than once`);
    seen.add(client.clientId);
    clients.push(client);
  });
  if (problems.length > 0) throw new ClientsFileError(path, problems);
  return clients;
}

function describe(error: ValidationError, index: number): string[] {
  return Object.entries(error.constraints ?? {}).map(([constraint, message]) =>
    constraint === 'whitelistValidation' ? `[${index}].${error.property} is not a known field` : `[${index}].${message}`,
  );
}
