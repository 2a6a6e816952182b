import { Controller, Get } from '@nestjs/common';

@Controller('health')
export class HealthController {
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The gateway has no hard dependencies: if it answers, it can serve. */
  @Get('ready')
  ready(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
