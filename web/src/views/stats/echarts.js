// Apache ECharts, only the parts the dashboard draws (bar and pie charts, SVG), imported by the statistics
// view alone: a member's phone never downloads it.
import { use, init } from 'echarts/core'
import { BarChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'

use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer])

export { init }
