import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { EmbeddedDatabase } from './embedded-database';

/**
 * Entry point for the TypeORM CLI (`npm run migration:*`). Uses DATABASE_URL, or starts the
 * embedded database and stops it again when the CLI destroys the data source.
 */
async function createCliDataSource(): Promise<DataSource> {
  const config = loadAppConfig();
  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    embedded = await EmbeddedDatabase.start({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      log: (message) => console.error(message),
      shareRunning: true,
    });
  }
  const dataSource = new DataSource(buildDataSourceOptions({ url: config.database.url ?? embedded!.url, poolSize: 2, applicationName: 'myinvois-broker-cli' }));
  if (embedded) {
    const destroy = dataSource.destroy.bind(dataSource);
    dataSource.destroy = async () => {
      await destroy();
      await embedded!.stop();
    };
  }
  return dataSource;
}

export const dataSource = createCliDataSource();
