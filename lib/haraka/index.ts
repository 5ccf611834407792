// Running Haraka: the Haraka directory a node starts from, its banner and free ports; one
// instance per data dir and ports; children that stop when their launcher dies.
export * from './harakaDir';
export * from './instance';
export * from './parentWatch';
export * from './tls';
