# SPDX-License-Identifier: GPL-2.0
"""Where a ping's time goes over our vNTB pair, from tracepoints.

The benchmark traces a few pings from the host to the endpoint on both
machines at once: both drivers' tracepoints (systems ntb_hw_epf and
vntb_epf) and the kernel's net, irq and sched events. Pings are 200 ms
apart and the link is otherwise idle, so the events of one ping form a
burst; in each burst the first occurrence of each milestone gives the
time of each hop. The result is the median of each hop over the pings,
in microseconds, each machine timed by its own clock; "the link both
ways" is what is left of the host's wait once the endpoint's share is
taken out: the emulated link in each direction and the wakeups of each
machine's halted CPUs.

Upstream's drivers have no tracepoints, so only our pair is broken down.
"""

import re
import statistics

# Enabled on both machines; a missing event (another kernel) is skipped.
EVENTS = ("ntb_hw_epf", "vntb_epf", "net/net_dev_start_xmit",
          "net/netif_receive_skb", "irq/irq_handler_entry",
          "sched/sched_wakeup")

TRACEFS = "/sys/kernel/tracing"

START_SCRIPT = """t=%s
echo 0 > $t/tracing_on
echo > $t/trace
echo 4096 > $t/buffer_size_kb
for e in %s; do
	[ -e $t/events/$e/enable ] && echo 1 > $t/events/$e/enable
done
echo 1 > $t/tracing_on
""" % (TRACEFS, " ".join(EVENTS))

STOP_SCRIPT = """t=%s
echo 0 > $t/tracing_on
echo 0 > $t/events/enable
grep -v '^#' $t/trace
""" % TRACEFS

# Bursts: events closer than this to the previous one belong to its ping.
BURST_GAP_S = 0.05

LINE = re.compile(r"^\s*(?P<task>.+?)-\d+\s+\[\d+\]\s+\S+\s+"
                  r"(?P<ts>\d+\.\d+): (?P<event>\w+): (?P<rest>.*)$")

# Milestones, in the order a ping meets them on each machine: a name and
# a test of (event, rest of the line).
HOST_MILESTONES = (
    ("xmit", lambda e, r: e == "net_dev_start_xmit" and "dev=ntb0" in r),
    ("ring", lambda e, r: e == "ntb_hw_epf_ring"),
    ("irq", lambda e, r: e == "irq_handler_entry" and "name=ntb_hw_epf" in r),
    ("rx", lambda e, r: e == "netif_receive_skb" and "dev=ntb0" in r),
    ("wake", lambda e, r: e == "sched_wakeup" and "comm=ping " in r),
)

# After the kick: an embedded doorbell's interrupt is shared with the
# controller, whose handler runs first, so analyse() starts the kick at the
# first handler of any of the function's doorbell IRQs. "msi" is the
# doorbell's MSI or MSI-X, raised directly from peer_db_set() (msi=N /
# msix=N with ret=0) or by the work item: the same event either way.
EP_MILESTONES = (
    ("rx", lambda e, r: e == "netif_receive_skb" and "dev=ntb0" in r),
    ("xmit", lambda e, r: e == "net_dev_start_xmit" and "dev=ntb0" in r),
    ("peer_db_set", lambda e, r: e == "vntb_epf_peer_db_set"),
    ("msi", lambda e, r: e == "vntb_epf_msi"),
)

# The report's lines: a label and the two milestones it spans.
HOPS = (
    ("host: ntb0 transmit -> doorbell written", "host", "xmit", "ring"),
    ("host: doorbell written -> the reply's MSI handler", "host", "ring",
     "irq"),
    ("endpoint: doorbell interrupt -> ntb0 receive", "ep", "kick", "rx"),
    ("endpoint: ntb0 receive -> reply transmitted", "ep", "rx", "xmit"),
    ("endpoint: reply transmitted -> peer_db_set", "ep", "xmit",
     "peer_db_set"),
    ("endpoint: peer_db_set -> MSI raised", "ep", "peer_db_set", "msi"),
    ("host: MSI handler -> ntb0 receive", "host", "irq", "rx"),
    ("host: ntb0 receive -> ping woken", "host", "rx", "wake"),
)

LINK = "the link both ways"


def parse(trace):
    """(seconds, event, rest) of each trace line, in order."""
    events = []
    for line in trace.splitlines():
        m = LINE.match(line)
        if m:
            events.append((float(m.group("ts")), m.group("event"),
                           m.group("rest")))
    return events


def bursts(events):
    """The events split where BURST_GAP_S passes without one."""
    groups = []
    for ev in events:
        if not groups or ev[0] - groups[-1][-1][0] > BURST_GAP_S:
            groups.append([])
        groups[-1].append(ev)
    return groups


def kick_irqs(events):
    """The Linux IRQ numbers of the endpoint function's doorbells: one
    line shared with the controller for an embedded doorbell, one per
    doorbell for MSI doorbells."""
    irqs = set()
    for _, event, rest in events:
        if event == "irq_handler_entry" and "name=pci_epf_vntb" in rest:
            m = re.search(r"irq=(\d+)", rest)
            if m:
                irqs.add(m.group(1))
    return irqs


def milestones(burst, wanted):
    """Time of each milestone in the burst, each after the previous one;
    None when one is missing."""
    times = {}
    i = 0
    for name, test in wanted:
        while i < len(burst) and not test(burst[i][1], burst[i][2]):
            i += 1
        if i == len(burst):
            return None
        times[name] = burst[i][0]
    return times


def analyse(host_trace, ep_trace):
    """The median of each hop in microseconds, ordered as HOPS, then
    LINK, and the number of pings they come from; {} when no ping could
    be followed on both machines."""
    ep_events = parse(ep_trace)
    irqs = kick_irqs(ep_events)
    if not irqs:
        return {}

    def kick(event, rest):
        m = re.search(r"irq=(\d+) ", rest)
        return event == "irq_handler_entry" and m and m.group(1) in irqs

    ep_wanted = (("kick", kick),) + EP_MILESTONES
    host = [m for m in (milestones(b, HOST_MILESTONES)
                        for b in bursts(parse(host_trace))) if m]
    ep = [m for m in (milestones(b, ep_wanted) for b in bursts(ep_events))
          if m]
    # Pair the n-th ping on each side; give up if the counts disagree.
    if not host or len(host) != len(ep):
        return {}
    side = {"host": host, "ep": ep}
    result = {}
    for label, where, start, end in HOPS:
        result[label] = round(statistics.median(
            (m[end] - m[start]) * 1e6 for m in side[where]))
    result[LINK] = round(statistics.median(
        ((h["irq"] - h["ring"]) - (e["msi"] - e["kick"])) * 1e6
        for h, e in zip(host, ep)))
    return {"ping_breakdown_us": result, "ping_breakdown_pings": len(host)}
