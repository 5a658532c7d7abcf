import { describe } from "vitest";
import { withStore } from "../testing";
import { storeContract } from "./store-contract";

describe("store contract: sqlite", () => storeContract(withStore("sqlite")));
