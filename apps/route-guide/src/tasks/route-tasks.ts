// The task module route-guide's executor loads (in worker threads or child processes, or
// inline). Bundled to tasks/route-tasks.js beside main.js by tools/scripts/bundle-service.mjs.
export { addLegMetres } from '../route-legs';
