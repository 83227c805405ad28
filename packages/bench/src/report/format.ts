import type { Spread } from '../statistics.js';

/** Formats a count with thousands separators and no decimals. */
export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Formats a ratio with two decimals. */
export function formatRatio(value: number): string {
  return value.toFixed(2);
}

/** Formats microseconds: whole µs below 1 ms, then milliseconds with two decimals below 10 ms and one above. */
export function formatMicros(value: number): string {
  if (value < 1000) {
    return `${Math.round(value)} µs`;
  }
  return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} ms`;
}

/** Formats a byte count as B or KiB. */
export function formatBytes(value: number): string {
  return value < 1024 ? `${value} B` : `${(value / 1024).toFixed(value % 1024 === 0 ? 0 : 1)} KiB`;
}

/** Formats a median with its min-max range, for example `7,120 (6,980-7,300)`; `-` when absent. */
export function formatSpread(spread: Spread | undefined, format: (value: number) => string): string {
  if (!spread) {
    return '-';
  }
  if (spread.samples === 1 || spread.min === spread.max) {
    return format(spread.median);
  }
  return `${format(spread.median)} (${format(spread.min)}-${format(spread.max)})`;
}

/** Formats the main CPU figure of a row: CPU µs per request by process group. */
export function formatCpu(cpu: Readonly<Record<string, Spread>>): string {
  const parts = Object.entries(cpu).map(([group, spread]) => `${group} ${Math.round(spread.median)}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}
