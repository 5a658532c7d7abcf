import { describe } from "vitest";
import { withStore } from "../testing";
import { raceContract } from "./race-contract";

// The same size as the SQLite race (the 50 claimers × 1,000 jobs), through 2 separate
// CosmosClients (two "app instances"). The in-process test server is slow under 50-way concurrency:
// about 70 s on this machine while it is loaded, hence the long timeout.
describe("store races: cosmos", () => raceContract(withStore("cosmos"), { jobs: 1000, claimers: 50, handles: 2, timeoutMs: 600_000 }));
