/** The charts' bundle (mxnb/notebook/static/charts.js). */
import { renderCharts } from './chart';
import { widgetModule } from './index';

export default widgetModule({ charts: renderCharts });
