export { ProgressBar } from './progress.js';
