export { ProgressBar } from './progress.js';
export { freePortRange, NodeProcess, nodeProcesses, readNetworkFile, type NetworkFile } from './network-process.js';
