/// A map drawn as an image inside axes whose ticks count rows (down from the top, as `imshow`
/// draws them) and columns, with a colour bar in data units: the body of `MapPicture` and `Heatmap`.
struct MatrixPlot {
    var map: FloatMap
    var scaling: MapScaling
    var colorMap: ColorMap
    var normalization: Normalization
    var rowLabel: String?
    var columnLabel: String?
    var valueLabel: String

    func figure(title: String, subtitle: String?, _ type: Typesetter) throws -> Figure {
        let w = scaling.displayWidth, h = scaling.displayHeight
        let xTicks = NiceTicks.indices(count: map.width, maxCount: Axes.indexTickLimit(count: map.width, length: w, type)).values.map { i in
            Axes.Tick(position: MapScaling.position(of: Int(i), count: map.width, block: scaling.columnBlock, display: w), label: String(Int(i)))
        }
        let yTicks = NiceTicks.indices(count: map.height, maxCount: max(2, h / 40)).values.map { i in
            Axes.Tick(position: MapScaling.position(of: Int(i), count: map.height, block: scaling.rowBlock, display: h), label: String(Int(i)))
        }
        let axes = Axes(plotWidth: w, plotHeight: h, xTicks: xTicks, yTicks: yTicks, xLabel: columnLabel, yLabel: rowLabel)
        let hasNaN = map.values.contains { $0.isNaN }
        let bar = ColorBar(colorMap: colorMap, scale: .values(normalization), caption: valueLabel, hasNaN: hasNaN)
        let origin = axes.plotOrigin(type)
        var figure = Figure(
            title: title, subtitle: subtitle, notes: scaling.notes,
            bodyWidth: axes.bodyWidth(type), bodyHeight: axes.bodyHeight(type), colorBar: bar
        ) { [map, scaling, colorMap, normalization] canvas, x0, y0 in
            let pixels = try Raster.colored(scaling.reduce(map), colorMap, normalization)
            let shown = try Raster(width: w, height: h)
            try shown.draw(pixels, x: 0, y: 0, scaleX: scaling.scaleX, scaleY: scaling.scaleY)
            canvas.paint(shown, x: x0 + origin.x, y: y0 + origin.y)
            axes.draw(on: canvas, x0: x0, y0: y0, type)
        }
        figure.colorBarSpan = (origin.y, ColorBar.height(beside: h))
        return figure
    }
}
