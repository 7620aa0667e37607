import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/domain-error';
import { SimulatorError } from '../simulator.errors';
import { ClientDto } from './dto/client.dto';
import { RegisterClientDto } from './dto/register-client.dto';
import { UpdateClientDto } from './dto/update-client.dto';
import { SimulatedClient } from './simulated-client';

/** The clients the simulated identity service knows, in memory: a restart forgets them. */
@Injectable()
export class ClientsService {
  private readonly clients = new Map<string, SimulatedClient>();

  /** Registers a client, replacing one with the same ID; says which happened. */
  register(input: RegisterClientDto): { client: ClientDto; replaced: boolean } {
    const replaced = this.clients.has(input.clientId);
    const client: SimulatedClient = {
      clientId: input.clientId,
      secrets: input.secrets.length === 2 ? [input.secrets[0], input.secrets[1]] : [input.secrets[0]],
      kind: input.kind,
      tin: input.tin,
      brn: input.brn ?? null,
      allowedOnBehalfOf: [...(input.allowedOnBehalfOf ?? [])],
      blocked: input.blocked ?? false,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      tokenTtlSeconds: input.tokenTtlSeconds ?? null,
      tokenShape: input.tokenShape ?? '2025',
    };
    this.clients.set(client.clientId, client);
    return { client: this.map(client), replaced };
  }

  list(): ClientDto[] {
    return [...this.clients.values()].map((client) => this.map(client));
  }

  get(clientId: string): ClientDto {
    return this.map(this.require(clientId));
  }

  isRegistered(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  /** For the token endpoint: the live record, or undefined for an unknown client ID. */
  find(clientId: string): Readonly<SimulatedClient> | undefined {
    return this.clients.get(clientId);
  }

  update(clientId: string, changes: UpdateClientDto): ClientDto {
    const client = this.require(clientId);
    if (Object.values(changes).every((value) => value === undefined)) {
      throw ValidationFailedError.field(
        'body',
        'nothing to update: give at least one of secrets, blocked, allowedOnBehalfOf, rateLimitPerMinute, tokenTtlSeconds, tokenShape',
      );
    }
    if (changes.allowedOnBehalfOf !== undefined && client.kind !== 'intermediary') {
      throw ValidationFailedError.field('allowedOnBehalfOf', 'allowedOnBehalfOf applies to intermediary clients only');
    }
    const updated: SimulatedClient = { ...client };
    if (changes.secrets !== undefined) {
      updated.secrets = changes.secrets.length === 2 ? [changes.secrets[0], changes.secrets[1]] : [changes.secrets[0]];
    }
    if (changes.blocked !== undefined) updated.blocked = changes.blocked;
    if (changes.allowedOnBehalfOf !== undefined) updated.allowedOnBehalfOf = [...changes.allowedOnBehalfOf];
    if (changes.rateLimitPerMinute !== undefined) updated.rateLimitPerMinute = changes.rateLimitPerMinute;
    if (changes.tokenTtlSeconds !== undefined) updated.tokenTtlSeconds = changes.tokenTtlSeconds;
    if (changes.tokenShape !== undefined) updated.tokenShape = changes.tokenShape;
    this.clients.set(clientId, updated);
    return this.map(updated);
  }

  remove(clientId: string): void {
    if (!this.clients.delete(clientId)) throw SimulatorError.clientNotFound(clientId);
  }

  private require(clientId: string): SimulatedClient {
    const client = this.clients.get(clientId);
    if (!client) throw SimulatorError.clientNotFound(clientId);
    return client;
  }

  private map(client: SimulatedClient): ClientDto {
    return {
      clientId: client.clientId,
      secrets: [...client.secrets],
      kind: client.kind,
      tin: client.tin,
      brn: client.brn,
      allowedOnBehalfOf: [...client.allowedOnBehalfOf],
      blocked: client.blocked,
      rateLimitPerMinute: client.rateLimitPerMinute,
      tokenTtlSeconds: client.tokenTtlSeconds,
      tokenShape: client.tokenShape,
    };
  }
}
