/** The benchmark's printed report: one table per section, then ratio lines. */
import os from "node:os";
import type { LatencyStats, LoadResult } from "./load.js";

export interface Row {
  what: string;
  concurrency: number;
  n: number;
  rps?: number;
  latency: LatencyStats;
  errors?: number;
}

export const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
export const pad = (text: string, width: number) => (text.length >= width ? text : " ".repeat(width - text.length) + text);

export function section(title: string) {
  console.log(`\n== ${title} ==`);
  console.log(
    `  ${"what".padEnd(56)}${pad("conc", 5)}${pad("n", 7)}${pad("req/s", 9)}${pad("mean ms", 10)}${pad("p50 ms", 9)}${pad("p95 ms", 9)}${pad("p99 ms", 9)}${pad("max ms", 9)}${pad("errors", 8)}`,
  );
}

export function row(r: Row) {
  const l = r.latency;
  console.log(
    `  ${r.what.padEnd(56)}${pad(String(r.concurrency), 5)}${pad(String(r.n), 7)}${pad(r.rps === undefined ? "-" : fmt(r.rps, 0), 9)}${pad(fmt(l.mean, 3), 10)}${pad(fmt(l.p50, 3), 9)}${pad(fmt(l.p95, 3), 9)}${pad(fmt(l.p99, 3), 9)}${pad(fmt(l.max, 2), 9)}${pad(String(r.errors ?? 0), 8)}`,
  );
}

export function loadRow(what: string, concurrency: number, result: LoadResult) {
  row({ what, concurrency, n: result.requests, rps: result.rps, latency: result.latency, errors: result.errors });
  if (result.errors > 0) console.log(`    ! ${result.errors} failed; first: ${result.firstError}`);
}

export function note(text: string) {
  console.log(`  → ${text}`);
}

export const loadAverage = () => os.loadavg().map((value) => fmt(value, 2)).join(" / ");
export const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;
export const us = (ms: number) => `${fmt(ms * 1000, 0)} µs`;
