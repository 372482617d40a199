import type { Command } from '../command.js';
import {
  backfillCommand,
  contentGetCommand,
  contentListCommand,
  pingCommand,
  subscriptionsListCommand,
  subscriptionsStartCommand,
  subscriptionsStopCommand,
} from './api.js';
import { funcCommand } from './func.js';
import { runCommand } from './run.js';
import { simulateCommand } from './simulate.js';
import { eventsCommand, poisonReplayCommand, statusCommand } from './storage.js';
import {
  tenantsAddCommand,
  tenantsConsentUrlCommand,
  tenantsDisableCommand,
  tenantsEnableCommand,
  tenantsListCommand,
  tenantsRemoveCommand,
} from './tenants.js';

/** Every CLI command; `main.ts` dispatches on the longest matching path. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  funcCommand,
  pingCommand,
  subscriptionsListCommand,
  subscriptionsStartCommand,
  subscriptionsStopCommand,
  contentListCommand,
  contentGetCommand,
  backfillCommand,
  statusCommand,
  poisonReplayCommand,
  eventsCommand,
  tenantsListCommand,
  tenantsAddCommand,
  tenantsRemoveCommand,
  tenantsDisableCommand,
  tenantsEnableCommand,
  tenantsConsentUrlCommand,
  simulateCommand,
];
