// `server-only` throws outside a React Server build; plain Node (vitest, CLIs) loads this instead.
export {};
