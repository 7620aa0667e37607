import { TestDatabase } from './database';

/**
 * Every text, JSON and bytea value in every table of the database, as one string: bytea both
 * as raw bytes and as hex, so that a search finds a secret stored in any encoding.
 */
export async function dumpDatabase(database: TestDatabase): Promise<string> {
  const columns = await database.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'bytea', 'jsonb', 'json', 'ARRAY')`,
  );
  const parts: string[] = [];
  for (const { table_name, column_name, data_type } of columns) {
    const rows = await database.query<{ value: unknown }>(`SELECT "${column_name}" AS value FROM "${table_name}"`);
    for (const { value } of rows) {
      if (value === null) continue;
      if (data_type === 'bytea') {
        const bytes = value as Buffer;
        parts.push(bytes.toString('latin1'), bytes.toString('utf8'), bytes.toString('hex'), bytes.toString('base64'));
      } else {
        parts.push(typeof value === 'string' ? value : JSON.stringify(value));
      }
    }
  }
  return parts.join('\n');
}

/** The encodings a careless store might use for a secret. */
export function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
}
