/** The JupyterLab plugin: the "mxnb devices" side panel and its command. */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import { DevicesPanel } from './panel/devices';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mxnb:devices-panel',
  description: "A live panel of the active notebook kernel's mxnb devices and memory.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, palette: ICommandPalette | null) => {
    let panel: DevicesPanel | null = null;
    const command = 'mxnb:open-devices';
    app.commands.addCommand(command, {
      label: 'Open the mxnb devices panel',
      execute: () => {
        if (!panel || panel.isDisposed) {
          panel = new DevicesPanel(tracker);
          app.shell.add(panel, 'right', { rank: 900 });
        }
        app.shell.activateById(panel.id);
      }
    });
    palette?.addItem({ command, category: 'mxnb' });
  }
};

export default plugin;
