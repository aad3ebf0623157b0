// The page's one engine worker (through its client), and the count of model loads that lets an
// answer for a model that has since been replaced be told apart and dropped.
import { EngineClient } from '../engine_client.ts';

let client: EngineClient | null = null;
let loads = 0;

export function engine(): EngineClient {
  client ??= new EngineClient();
  return client;
}

/** Encode requests sent to the worker so far. */
export function encodeRequestCount(): number {
  return client?.encodeRequests ?? 0;
}

/** Images sent to the worker for encoding so far. */
export function imagesSentCount(): number {
  return client?.imagesSent ?? 0;
}

/** Starts a model load; returns its number. */
export function beginLoad(): number {
  return ++loads;
}

/** The number of the latest model load: work started under an older one is stale. */
export function currentLoad(): number {
  return loads;
}
