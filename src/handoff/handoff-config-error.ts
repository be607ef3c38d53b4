import { AppError } from '../core/errors';

/** Thrown at start-up when handoff settings (hours, routing, sinks) are invalid; lists every problem at once. */
export class HandoffConfigError extends AppError {
  constructor(readonly section: string, readonly problems: string[]) {
    super('handoff.config_invalid', `invalid ${section} settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'HandoffConfigError';
  }
}
