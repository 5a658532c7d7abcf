import { describe } from "vitest";
import { withStore } from "../testing";
import { storeContract } from "./store-contract";

// The real @azure/cosmos client against @vercel/cosmosdb-server on loopback, started by withStore.
describe("store contract: cosmos", () => storeContract(withStore("cosmos")));
