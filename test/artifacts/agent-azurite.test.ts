import { startAzurite, type StartedAzurite } from "../harness/azurite";
import { artifactScenario } from "./scenario";

/** Issue 15 §6 on Azure Blob Storage: a real Azurite started here, the container named by FLEET_ARTIFACTS. */
let azurite: StartedAzurite | undefined;
artifactScenario(
  "artifacts on Azure Blob (Azurite)",
  async () => {
    azurite = await startAzurite();
    return { FLEET_ARTIFACTS: azurite.containerUrl("fleet-artifacts"), AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
  },
  async () => azurite?.stop(),
);
