import { createServer } from 'node:net';
import { readEcbCsv } from '../enrichment/support/reference-data.js';
import {
  startFrankfurter,
  startRestCountries,
  type StandIn,
} from '../enrichment/support/stand-in-servers.js';

/**
 * Loopback stand-ins for Frankfurter and REST Countries (test/enrichment/support), so pipeline tests never reach
 * the internet and see the providers answer as documented.
 */
export interface StandInProviders {
  fxUrl: string;
  countriesUrl: string;
  fx: StandIn;
  countries: StandIn;
  close(): Promise<void>;
}

export async function startStandInProviders(): Promise<StandInProviders> {
  const fx = await startFrankfurter(readEcbCsv());
  const countries = await startRestCountries();
  return {
    fxUrl: fx.baseUrl,
    countriesUrl: countries.baseUrl,
    fx,
    countries,
    close: async () => {
      await Promise.all([fx.close(), countries.close()]);
    },
  };
}

/** A loopback URL nobody listens on: connections are refused at once, like a provider that is down. */
export async function unreachableUrl(suffix: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${suffix}`;
}
