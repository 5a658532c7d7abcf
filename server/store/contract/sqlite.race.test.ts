import { describe } from "vitest";
import { withStore } from "../testing";
import { raceContract } from "./race-contract";

describe("store races: sqlite", () => raceContract(withStore("sqlite"), { jobs: 1_000, claimers: 50, handles: 5, timeoutMs: 60_000 }));
