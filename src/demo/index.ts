/** The tsgitop demo app server (see demo.ts). */
export { runDemo, type DemoOptions, type DemoHandle } from './demo.js';
export { LoadGenerator, type LoadOptions, type LoadStats } from './load.js';
export { demoHandler, DEMO_ROUTES, type DemoRoute } from './app.js';
