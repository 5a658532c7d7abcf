export * from "./roles";
export * from "./problem";
export * from "./jobs";
export * from "./admin";
export * from "./users";
export * from "./system";
export * from "./params";
export * from "./operations";
