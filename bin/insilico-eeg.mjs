#!/usr/bin/env node
// Command-line entry: `insilico-eeg convert|encode|merge|metadata ...` (see README).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
