import { describe } from "vitest";
import { withStore } from "../testing";
import { raceContract } from "./race-contract";

// Smaller than the SQLite race: the in-process test server is slow under 50-way concurrency
// (about 20 s for this size on this machine when it is not loaded).
// Still real: 50 concurrent claimers through 2 separate CosmosClients (two "app instances").
describe("store races: cosmos", () => raceContract(withStore("cosmos"), { jobs: 50, claimers: 50, handles: 2, timeoutMs: 180_000 }));
