#!/usr/bin/env node
import process from 'node:process';

// ctlake pins the AWS SDK version and documents the Node versions it supports (README); the SDK's
// own notice about its future releases would only add noise to every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { run } = await import('../dist/src/cli/main.js');
process.exitCode = await run(process.argv);
