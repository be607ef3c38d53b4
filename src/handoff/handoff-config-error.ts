/** Thrown at start-up when handoff settings (hours, routing, sinks) are invalid; lists every problem at once. */
export class HandoffConfigError extends Error {
  readonly code = 'handoff.config_invalid';

  constructor(readonly section: string, readonly problems: string[]) {
    super(`invalid ${section} settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'HandoffConfigError';
  }
}
