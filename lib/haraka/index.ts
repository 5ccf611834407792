// Running Haraka: the Haraka directory a node starts from, its banner and free ports.
export * from './harakaDir';
export * from './tls';
