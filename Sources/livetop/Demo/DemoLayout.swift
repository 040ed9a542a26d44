/// The layout `livetop demo` opens with: charts, gauges with thresholds, a services table coloured
/// by status and latency with an alert, and the events. `examples/demo.yaml` is the same text (a
/// test checks), so the first run shows what a layout file can do and where to copy it from.
enum DemoLayout {
    static let yaml = """
        # The layout `livetop demo` opens with (Sources/livetop/DemoLayout.swift holds the same text).
        # Against any feed of the same shape: livetop --layout examples/demo.yaml ws://HOST:PORT/
        history: 300                 # samples kept per number: the charts' reach

        sources:
          - name: demo               # no url: the demo's own server, or the first URL on the command line

        rows:
          - height: 3
            panels:
              - kind: chart
                title: cpu and memory %
                series: [/cpu_pct, /mem_pct]
                min: 0
                max: 100
              - kind: chart
                title: network kbit/s
                series: [/net_rx_kbps, /net_tx_kbps]

          - height: 1
            panels:
              - kind: gauge
                title: cpu
                value: /cpu_pct
                format: "%.1f%%"
                thresholds: {warn: 70, crit: 90}
              - kind: gauge
                title: memory
                value: /mem_pct
                format: "%.1f%%"
                thresholds: {warn: 80, crit: 95}
              - kind: tile
                title: load
                value: /load_1m
                thresholds: {warn: 2, crit: 4}

          - height: 3
            panels:
              - kind: table
                title: services
                width: 3
                rows: /services
                columns:
                  - {key: status, thresholds: {up: ok, degraded: warn, down: crit}}
                  - {key: latency_ms, title: latency, format: "%.1f ms", thresholds: {warn: 200, crit: 1000}}
                  - version
                  - {key: rps, title: req/s, format: "%.0f"}
                sort: -rps
                # A service degraded or down for 2 s raises an alert (strip above the status line).
                alert: {level: warn, for: 2s}
              - kind: log
                title: events
                width: 2
                filter: /event
        """

    static func parsed() throws(LayoutError) -> Layout { try LayoutFile.parse(yaml, file: "examples/demo.yaml").layout }
}
