#!/usr/bin/env node
// Launcher: the CLI is TypeScript; tsx compiles it in process so a checkout needs no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
// a reader that closed the pipe (`attune recommend … | head -1`) ends the command quietly (infra/cli/pipe.ts)
const { endOnClosedOutput } = await import('../infra/cli/pipe.ts');
endOnClosedOutput('attune');
const { main } = await import('../infra/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
