import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { FaultsModule } from '../faults/faults.module';
import { TrafficModule } from '../traffic/traffic.module';
import { TokenGateway } from './token-gateway.service';
import { TokenSigner } from './token-signer';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

@Module({
  imports: [ClientsModule, FaultsModule, TrafficModule],
  controllers: [TokenController],
  providers: [TokenService, TokenGateway, { provide: TokenSigner, useFactory: () => TokenSigner.generate() }],
})
export class TokenModule {}
