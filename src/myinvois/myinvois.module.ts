import { Module } from '@nestjs/common';
import { LoginBudget } from './login-budget';
import { MyInvoisClient } from './myinvois.client';

@Module({
  providers: [MyInvoisClient, LoginBudget],
  exports: [MyInvoisClient, LoginBudget],
})
export class MyInvoisModule {}
