export {
  defaultProfilesDir,
  formatCatalogProblem,
  loadProfileCatalog,
  loadProfileCatalogSync,
  type CatalogEntry,
  type CatalogProblem,
  type ProfileCatalog,
} from "./catalog";
