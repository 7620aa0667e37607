import { TestDatabase } from './database';
import { ServiceProcess } from './processes';

const LOST = /lost the LISTEN connection/g;

/**
 * Ends the brokers' LISTEN connections, as a network blip would, and waits until each broker
 * has noticed: for about a second, until they reconnect, no NOTIFY reaches them.
 */
export async function dropListenConnections(database: TestDatabase, brokers: ServiceProcess[]): Promise<void> {
  const losses = (broker: ServiceProcess) => broker.logs().match(LOST)?.length ?? 0;
  const before = brokers.map(losses);
  await database.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'myinvois-broker-listen'",
  );
  const deadline = Date.now() + 2000;
  while (brokers.some((broker, index) => losses(broker) <= before[index])) {
    if (Date.now() > deadline) throw new Error('a broker did not notice that its LISTEN connection ended');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
