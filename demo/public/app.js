// ES-module page: the SDK's ESM build, as an app bundler would consume it.
import { createAuthClient } from '/spa-auth.js';

window.SpaAuthDemo.run(createAuthClient, 'esm');
