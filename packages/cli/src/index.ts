export { ProgressBar } from './progress.js';
export { NodeProcess, nodeProcesses, readNetworkFile, type NetworkFile } from './network-process.js';
