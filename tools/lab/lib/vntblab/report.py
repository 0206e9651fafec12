# SPDX-License-Identifier: GPL-2.0
"""The benchmark's report: out/bench.md and its plots, from out/bench.json.

tools/lab/bench measures and writes the JSON, then calls write(); "bench
--report-only" calls it on an existing JSON. Everything lands next to the
JSON file:

  bench.md          date, machine, mode, versions, the table of all runs,
                    our pair against upstream's, where our pair's ping
                    time goes and, after "bench --sweep", the throughput
                    sweep
  bench-ping.png    ping round-trip distribution per pair (CDF, log x)
  bench-iperf3.png  iperf3 throughput per pair and direction
  bench-idle.png    the endpoint's idle wakeups per pair

The plots need matplotlib (Debian's python3-matplotlib, installed by
tools/lab/build/deps.sh); it is imported only when plotting, so that
measuring never depends on it.
"""

import json
import os

from . import LabError

PING_PNG = "bench-ping.png"
IPERF3_PNG = "bench-iperf3.png"
IDLE_PNG = "bench-idle.png"

# The table's columns: header, JSON key, format.
COLUMNS = (
    ("pair", "pair", "%s"),
    ("ping p50 us", "ping_p50_us", "%d"),
    ("ping p99 us", "ping_p99_us", "%d"),
    ("iperf3 h->e Mbit/s", "iperf3_h2e_mbps", "%.1f"),
    ("iperf3 e->h Mbit/s", "iperf3_e2h_mbps", "%.1f"),
    ("idle wakeups/s", "idle_wakeups_per_s", "%.1f"),
    ("loopback ping p50 us host", "loopback_host_p50_us", "%d"),
    ("loopback ping p50 us ep", "loopback_ep_p50_us", "%d"),
    ("iperf3 ep0->ep1 Mbit/s", "iperf3_ep0_ep1_mbps", "%.1f"),
    ("iperf3 ep1->ep0 Mbit/s", "iperf3_ep1_ep0_mbps", "%.1f"),
    ("doorbell rtt p50 us", "doorbell_rtt_p50_us", "%d"),
    ("doorbell rtt p99 us", "doorbell_rtt_p99_us", "%d"),
    ("NTB doorbell rtt p50 us", "ntb_db_rtt_p50_us", "%d"),
    ("NTB doorbell rtt p99 us", "ntb_db_rtt_p99_us", "%d"),
    ("ep doorbell interrupts", "ep_kicks", "%d"),
    ("ep interrupts for nothing %", "ep_kicks_for_nothing_pct", "%.1f"),
)

# What each run's "pair" names: which side runs whose driver, or how the
# host reaches the endpoint's doorbell.
PAIR_NOTES = {
    "upstream": "upstream's pci-epf-vntb and ntb_hw_epf",
    "ours": "our pci-epf-vntb and ntb_hw_epf",
    "ep-ours": "our pci-epf-vntb, upstream's ntb_hw_epf",
    "host-ours": "upstream's pci-epf-vntb, our ntb_hw_epf",
    "two-ep": "ours on both links of the two-ep topology: endpoint to "
              "endpoint, forwarded by the host",
    "doorbell": "doorbell round trip through a BAR that pci-epf-db-test "
                "maps onto the doorbell",
    "doorbell-bar": "doorbell round trip through the controller's fixed "
                    "doorbell BAR",
    "dw-ours": "our pci-epf-vntb and ntb_hw_epf on the DesignWare "
               "controller (its eDMA's embedded doorbell)",
    "dw-msi-ours": "our pci-epf-vntb and ntb_hw_epf on the DesignWare "
                   "controller with MSI doorbells (lab up --msi-parent: "
                   "one ITS interrupt per doorbell)",
    "dw-ep-ours": "our pci-epf-vntb, upstream's ntb_hw_epf, on the "
                  "DesignWare controller",
    "dw-doorbell": "doorbell round trip on the DesignWare controller, "
                   "through a BAR that pci-epf-db-test maps onto the "
                   "eDMA's doorbell",
    "dw-doorbell-bar": "doorbell round trip on the DesignWare controller, "
                       "through the BAR that exposes its eDMA",
}

# ours_vs_upstream and msi_vs_embedded keys, as sentences on their value
# ({ours} and {theirs}: the two pairs compared).
RATIO_NOTES = {
    "ping_p50_target_us": "ping p50 ten times lower than {theirs}'s: "
                          "%s us or less",
    "ping_p50_lab_floor_us": "ping p50 the lab allows, estimated: about %s "
                             "us (the host's loopback ping, the "
                             "endpoint's, and the bare doorbell round trip "
                             "through the controller's BAR)",
    "ping_p50_over_floor": "ping p50: {ours} is %s times that floor",
    "ping_p50_times_lower": "ping p50: {ours} is %s times lower",
    "ping_p99_times_lower": "ping p99: {ours} is %s times lower",
    "ntb_db_rtt_p50_times_lower": "NTB doorbell round trip p50: {ours} is "
                                  "%s times lower ({theirs}/{ours})",
    "ntb_db_rtt_p99_times_lower": "NTB doorbell round trip p99: {ours} is "
                                  "%s times lower ({theirs}/{ours})",
    "iperf3_h2e_ratio": "iperf3 host to endpoint: {ours} reaches %s times "
                        "{theirs}'s throughput",
    "iperf3_e2h_ratio": "iperf3 endpoint to host: {ours} reaches %s times "
                        "{theirs}'s throughput",
}

# The comparisons bench.md gives: JSON key, heading, the two pairs' names
COMPARISONS = (
    ("ours_vs_upstream", "Ours against upstream, same run", "ours",
     "upstream"),
    ("msi_vs_embedded", "MSI doorbells against the embedded doorbell, "
     "DesignWare controller, same run", "MSI", "embedded"),
)

# One colour per pair in every plot, so the figures read together.
PAIR_COLOURS = {
    "upstream": "tab:orange",
    "ours": "tab:blue",
    "ep-ours": "tab:green",
    "host-ours": "tab:purple",
    "dw-ours": "tab:cyan",
    "dw-ep-ours": "tab:olive",
    "dw-msi-ours": "tab:red",
}


def load(path):
    """The benchmark JSON at path, checked for what the report reads."""
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError) as err:
        raise LabError("%s: %s" % (path, err))
    if not isinstance(report, dict) or \
            not isinstance(report.get("runs"), list) or \
            not all(isinstance(r, dict) and "pair" in r
                    for r in report["runs"]):
        raise LabError("%s: not a benchmark JSON (no \"runs\" list of "
                       "objects with a \"pair\")" % path)
    return report


def markdown_table(runs):
    """The runs as a Markdown table, one line per run, "-" where a run
    has no figure; a figure taken over several runs is their median, with
    the range after it."""
    lines = ["| " + " | ".join(c[0] for c in COLUMNS) + " |",
             "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for run in runs:
        cells = []
        for _, key, fmt in COLUMNS:
            val = run.get(key)
            rng = run.get(key + "_range")
            cell = "-" if val is None else fmt % val
            if val is not None and rng:
                cell += " (%s-%s)" % (fmt % rng[0], fmt % rng[1])
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# How a ratio reads, by whether the two pairs' ranges stay apart
DISTINCT_NOTES = {
    True: " (ranges apart: a difference)",
    False: " (ranges overlap: not a difference)",
}


def ratio_lines(ratios, ours="ours", theirs="upstream"):
    lines = []
    distinct = ratios.get("distinct", {})
    for key, val in ratios.items():
        if key == "distinct":
            continue
        note = DISTINCT_NOTES.get(distinct.get(key), "")
        text = RATIO_NOTES.get(key, "").format(ours=ours, theirs=theirs)
        if isinstance(val, dict):
            what = {"idle_wakeups_per_s": "idle wakeups/s on the endpoint",
                    "ep_kicks_for_nothing_pct":
                        "endpoint doorbell interrupts that found nothing "
                        "to do, % of all, ping and iperf3"}.get(key, key)
            lines.append("- %s: " % what +
                         ", ".join("%s %s" % kv for kv in val.items()))
        elif key.endswith("_times_lower") and val is not None and val < 1:
            # "0.84 times lower" reads better as "1.19 times higher"
            lines.append("- " + (text % round(1 / val, 2))
                         .replace(" lower", " higher") + note)
        elif text:
            lines.append("- " + text % ("-" if val is None else val) + note)
        else:
            lines.append("- %s: %s" % (key, val))
    return lines


def _size(n):
    """A window size in bytes as vntb-setup writes it: 4K, 1M, 16M."""
    for shift, unit in ((30, "G"), (20, "M"), (10, "K")):
        if n >= 1 << shift and not n % (1 << shift):
            return "%d%s" % (n >> shift, unit)
    return str(n)


# The sweep's iperf3 columns: (direction, streams)
SWEEP_COLUMNS = (("h2e", 1), ("h2e", 4), ("e2h", 1), ("e2h", 4))
WAYS = {"h2e": "h->e", "e2h": "e->h"}


def sweep_lines(sweep):
    """The throughput sweep ("bench --sweep") as Markdown: ntb_perf's raw
    copy per pair and window, iperf3 per pair, window and transport_mtu,
    the best point of each pair and direction, and what failed."""
    lines = ["", "## Throughput sweep", "",
             "`bench --sweep`, %s; %s; Linux %s. One run per point "
             "(iperf3 %s s), so a figure can be a third off the next "
             "run's." % (sweep.get("date", "date unknown"),
                         sweep.get("mode", "mode unknown"),
                         sweep.get("kernel", "unknown"),
                         sweep.get("seconds", "-")), "",
             "ntb_perf, 16 MiB in 512 KiB chunks through the peer's "
             "window: the raw copy that iperf3 is measured against, "
             "MB/s, median of %s runs (range):" %
             sweep.get("ntb_perf_runs", 1), "",
             "| pair | window | h->e MB/s | e->h MB/s |",
             "|---|---|---|---|"]
    failed = []
    for row in sweep.get("ntb_perf", []):
        what = "%s, %s window" % (row.get("pair"),
                                  _size(row.get("mw_size", 0)))
        if row.get("error"):
            failed.append("- %s: %s" % (what, row["error"]))
        cells = []
        for way in ("h2e", "e2h"):
            key = "ntb_perf_%s_mbytes_per_s" % way
            cell = str(row.get(key, "-"))
            if row.get(key + "_range"):
                cell += " (%d-%d)" % tuple(row[key + "_range"])
            cells.append(cell)
        lines.append("| %s | %s | %s |" % (
            row.get("pair"), _size(row.get("mw_size", 0)), " | ".join(cells)))
    lines += ["", "iperf3 over ntb0, Mbit/s, by direction and parallel "
              "streams (-P); ntb0's MTU follows transport_mtu:", "",
              "| pair | window | transport_mtu | ntb0 MTU | " +
              " | ".join("%s -P %d" % (WAYS[w], n)
                         for w, n in SWEEP_COLUMNS) + " |",
              "|" + "|".join("---" for _ in range(4 + len(SWEEP_COLUMNS))) +
              "|"]
    points = {}
    for row in sweep.get("iperf3", []):
        key = (row["pair"], row["mw_size"], row["transport_mtu"],
               row.get("netdev_mtu"))
        points.setdefault(key, {})[(row["way"], row["streams"])] = \
            row["mbps"]
    best = {}
    for (pair, size, mtu, netdev_mtu), figures in points.items():
        cells = []
        for col in SWEEP_COLUMNS:
            val = figures.get(col)
            cells.append("-" if val is None else "%.1f" % val)
            if val is not None and val > best.get((pair, col[0]),
                                                  (0, None))[0]:
                best[(pair, col[0])] = (val, (size, mtu, col[1]))
        lines.append("| %s | %s | %d | %s | %s |" % (
            pair, _size(size), mtu, netdev_mtu or "-", " | ".join(cells)))
    if best:
        lines += ["", "Best point of each pair and direction:", ""]
        for (pair, way), (val, (size, mtu, streams)) in sorted(best.items()):
            lines.append("- %s %s: %.1f Mbit/s, %s window, transport_mtu "
                         "%d, -P %d" % (pair, WAYS[way], val, _size(size),
                                        mtu, streams))
    if failed:
        lines += ["", "Not measured (the pair's sweep at that size stopped "
                  "there):", ""] + failed
    return lines


def markdown(report):
    """bench.md's text."""
    runs = report["runs"]
    machine = report.get("machine", "unknown machine")
    extra = [report[k] for k in ("cpu", "os") if report.get(k)]
    if extra:
        machine += " (%s)" % ", ".join(extra)
    lines = [
        "<!-- SPDX-License-Identifier: GPL-2.0 -->",
        "# vNTB benchmark",
        "",
        "`make bench`, %s." % report.get("date", "date unknown"),
        "",
        "- machine: %s" % machine,
        "- mode: %s" % report.get("mode", "unknown"),
        "- kernel: Linux %s" % report.get("kernel", "unknown"),
        "- QEMU: %s" % report.get("qemu", "unknown"),
        "",
    ]
    lines += markdown_table(runs)
    notes = [(r["pair"], PAIR_NOTES[r["pair"]]) for r in runs
             if r["pair"] in PAIR_NOTES]
    if notes:
        lines += ["", "Pairs:", ""] + ["- %s: %s" % n for n in notes]
    for key, heading, ours, theirs in COMPARISONS:
        ratios = report.get(key)
        if ratios:
            lines += ["", "## " + heading, "",
                      "Timed figures are the median of several runs, with "
                      "their range; a ratio is a difference only where the "
                      "two pairs' ranges do not overlap.", ""]
            lines += ratio_lines(ratios, ours, theirs)
    for run in runs:
        hops = run.get("ping_breakdown_us")
        if hops:
            lines += ["", "## Where a ping's time goes, %s pair" % run["pair"],
                      "",
                      "Median of %s traced pings, microseconds, each "
                      "machine by its own clock:" %
                      run.get("ping_breakdown_pings", "-"), ""]
            lines += ["- %s: %s" % hop for hop in hops.items()]
    if report.get("sweep"):
        lines += sweep_lines(report["sweep"])
    lines += [
        "",
        "## Plots",
        "",
        "![ping round-trip distribution per pair](%s)" % PING_PNG,
        "",
        "![iperf3 throughput per pair and direction](%s)" % IPERF3_PNG,
        "",
        "![endpoint idle wakeups per pair](%s)" % IDLE_PNG,
        "",
    ]
    return "\n".join(lines)


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise LabError("matplotlib missing: install python3-matplotlib "
                       "(tools/lab/build/deps.sh)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _colour(pair, index):
    return PAIR_COLOURS.get(pair, "C%d" % (index % 10))


def _no_data(ax, what):
    ax.text(0.5, 0.5, "no %s in this JSON" % what, ha="center",
            va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _subtitle(report):
    return "%s; %s" % (report.get("machine", ""), report.get("mode", ""))


def plot_ping(plt, report, path):
    """CDF of every ping round trip per pair, log-scaled time axis."""
    from matplotlib.ticker import FuncFormatter

    runs = [r for r in report["runs"] if r.get("ping_samples_us")]
    fig, ax = plt.subplots(figsize=(8, 5))
    if not runs:
        _no_data(ax, "ping samples (ping_samples_us)")
    for i, run in enumerate(runs):
        samples = sorted(run["ping_samples_us"])
        ms = [s / 1000.0 for s in samples]
        share = [(k + 1) / len(samples) for k in range(len(samples))]
        label = "%s (p50 %s us, p99 %s us, %d pings)" % (
            run["pair"], run.get("ping_p50_us", "-"),
            run.get("ping_p99_us", "-"), len(samples))
        ax.step(ms, share, where="post", label=label,
                color=_colour(run["pair"], i), linewidth=1.8)
    if runs:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
        ax.set_xlabel("round trip over ntb0, ms (log scale)")
        ax.set_ylabel("share of pings at or below")
        ax.set_ylim(0, 1.02)
        ax.grid(True, which="both", alpha=0.3)
        # below the axes: the curves span the whole plot area
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  fontsize="small", frameon=False)
    ax.set_title("ping host -> endpoint: round-trip distribution\n%s" %
                 _subtitle(report), fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _label_bars(ax, bars, fmt):
    for bar in bars:
        height = bar.get_height()
        ax.annotate(fmt % height, (bar.get_x() + bar.get_width() / 2,
                                   height),
                    xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize="small")


def plot_iperf3(plt, report, path):
    """iperf3 throughput, host to endpoint and back, grouped per pair."""
    from matplotlib.patches import Patch

    runs = [r for r in report["runs"]
            if "iperf3_h2e_mbps" in r or "iperf3_e2h_mbps" in r]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if not runs:
        _no_data(ax, "iperf3 figures")
    else:
        width = 0.38
        xs = range(len(runs))
        legend = []
        # colour: the pair, as in the other plots; hatching: the direction
        for offset, key, name, hatch in (
                (-width / 2, "iperf3_h2e_mbps", "host -> endpoint", ""),
                (width / 2, "iperf3_e2h_mbps", "endpoint -> host", "//")):
            bars = ax.bar([x + offset for x in xs],
                          [r.get(key) or 0 for r in runs], width,
                          hatch=hatch, edgecolor="black",
                          color=[_colour(r["pair"], i)
                                 for i, r in enumerate(runs)])
            _label_bars(ax, bars, "%.1f")
            legend.append(Patch(facecolor="white", edgecolor="black",
                                hatch=hatch, label=name))
        ax.set_xticks(list(xs))
        ax.set_xticklabels([r["pair"] for r in runs])
        ax.set_ylabel("TCP throughput, Mbit/s")
        ax.margins(y=0.12)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(handles=legend, loc="upper center", ncol=2,
                  bbox_to_anchor=(0.5, -0.08), fontsize="small",
                  frameon=False)
    ax.set_title("iperf3 over ntb0, per direction\n%s" % _subtitle(report),
                 fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_idle(plt, report, path):
    """The endpoint's NTB-stack wakeups per second with ntb0 idle; ours
    should be 0, so every bar carries its value."""
    runs = [r for r in report["runs"] if "idle_wakeups_per_s" in r]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if not runs:
        _no_data(ax, "idle figures")
    else:
        bars = ax.bar([r["pair"] for r in runs],
                      [r["idle_wakeups_per_s"] for r in runs], 0.5,
                      edgecolor="black",
                      color=[_colour(r["pair"], i)
                             for i, r in enumerate(runs)])
        _label_bars(ax, bars, "%.1f")
        ax.set_ylabel("work items + timers per second")
        ax.set_ylim(0, max(1.0, max(r["idle_wakeups_per_s"]
                                    for r in runs)) * 1.15)
        ax.grid(True, axis="y", alpha=0.3)
    ax.set_title("endpoint idle wakeups of the NTB stack, ntb0 idle "
                 "(ours: 0 expected)\n%s" % _subtitle(report),
                 fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(report, out_dir):
    """Write bench.md and the three plots into out_dir; return their
    paths."""
    plt = _pyplot()
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, plot in ((PING_PNG, plot_ping), (IPERF3_PNG, plot_iperf3),
                       (IDLE_PNG, plot_idle)):
        path = os.path.join(out_dir, name)
        plot(plt, report, path)
        paths.append(path)
    path = os.path.join(out_dir, "bench.md")
    with open(path, "w") as f:
        f.write(markdown(report))
    paths.insert(0, path)
    return paths
