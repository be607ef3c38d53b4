/** One problem found in the flow files, pointing at the exact place and saying how to fix it. */
export interface Diagnostic {
  /** Path of the flow file as the designer would type it (relative to the working directory when inside it). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Stable rule id, e.g. `unknown-target`; tests and docs refer to it. */
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  /** What to do about it, in the designer's terms. */
  hint: string;
}

/**
 * `flows/order_status.yaml:12:7 error [unknown-target] State "ask_number" goes to ... Fix: use one of: ...`
 * One line, so editors and CI logs can link the location.
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const { file, line, column, severity, rule, message, hint } = diagnostic;
  const fix = hint ? ` Fix: ${hint}` : '';
  return `${file}:${line}:${column} ${severity} [${rule}] ${message}${fix}`;
}

/** Errors first is not wanted: designers read a file top to bottom, so sort by place. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}

/** True when any diagnostic is an error (warnings alone do not fail `aspa validate`). */
export function hasErrors(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}
