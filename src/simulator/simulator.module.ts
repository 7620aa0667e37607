import { DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { SimulatorConfig } from '../config/simulator-config';
import { ClientsModule } from './clients/clients.module';
import { FaultsModule } from './faults/faults.module';
import { ShutdownSignal } from './shutdown-signal';
import { SimulatorHealthController } from './simulator-health.controller';
import { simulatorLoggerParams } from './simulator-logging';
import { TokenModule } from './token/token.module';
import { TrafficModule } from './traffic/traffic.module';

/** The MyInvois identity simulator: the token endpoint and its control API under `/_sim/`. */
@Global()
@Module({})
export class SimulatorModule {
  static forRoot(config: SimulatorConfig): DynamicModule {
    return {
      module: SimulatorModule,
      imports: [LoggerModule.forRoot(simulatorLoggerParams(config)), ClientsModule, FaultsModule, TrafficModule, TokenModule],
      controllers: [SimulatorHealthController],
      providers: [{ provide: SimulatorConfig, useValue: config }, ShutdownSignal],
      exports: [SimulatorConfig, ShutdownSignal],
    };
  }
}
