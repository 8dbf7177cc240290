import * as assert from 'node:assert/strict';
import { workbench } from './setup';

describe('HyperBO in VS Code (e2e)', () => {
  it('is installed from the .vsix and activated', async () => {
    const vs = workbench();
    // The root hook already waited for the activation line; it must be in the HyperBO channel.
    await vs.waitForText(/HyperBO \S+ activated/, { within: '.part.panel' });
    const shot = await vs.screenshot('extension-activated');
    assert.match(shot, /\.png$/);
  });

  it('runs a HyperBO command from the command palette', async () => {
    const vs = workbench();
    await vs.runCommand('View: Toggle Panel Visibility'); // the root hook left the panel open
    await vs.waitForTextGone(/HyperBO \S+ activated/, { within: '.part.panel' });
    await vs.runCommand('HyperBO: Show Output');
    await vs.waitForText(/HyperBO \S+ activated/, { within: '.part.panel' });
    await vs.screenshot('show-output-from-palette');
  });
});
