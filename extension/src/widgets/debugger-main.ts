/** The debugger's bundle (mxnb/notebook/static/debugger.js), with the graph renderer. */
import { renderCharts } from './chart';
import { renderDebugger } from './debugger';
import { widgetModule } from './index';

export default widgetModule({ debugger: renderDebugger, charts: renderCharts });
