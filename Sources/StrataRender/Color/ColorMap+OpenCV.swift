extension ColorMap {
    /// OpenCV's `COLORMAP_JET` (what pytorch-grad-cam's `show_cam_on_image` applies), which differs
    /// from matplotlib's `jet`; not in `all`, whose maps are matplotlib's.
    public static let opencvJet = ColorMap(name: "opencv-jet", table: OpenCVColorMapTables.jet, isDiverging: false)
}
