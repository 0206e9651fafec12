# SPDX-License-Identifier: GPL-2.0
"""The shapes "lab up --topology NAME" boots: which machines, which links.

A link is one lab-epc controller in an endpoint machine, one lab-epf
function behind a root port of its own in the host, and the UNIX socket
that joins them. With a vNTB function each link carries an ntb_netdev
interface on both sides, addressed in a /24 of its own:

  one-ep   ep --link-- host              ntb0 198.18.0.1 <-> 198.18.0.2
  two-ep   ep0 --link0-- host --link1-- ep1
           link0: ep0 ntb0 198.18.1.2 <-> host ntb0 198.18.1.1
           link1: ep1 ntb0 198.18.2.2 <-> host ntb1 198.18.2.1
           the host forwards between them (net.ipv4.ip_forward=1); each
           endpoint routes the other's subnet through the host
  two-fn   ep ==link0,link1== host: two controllers, two vNTB functions
           link0: ep ntb0 198.18.1.2 <-> host ntb0 198.18.1.1
           link1: ep ntb1 198.18.2.2 <-> host ntb1 198.18.2.1

Every endpoint machine boots with lab.role=ep, the host with
lab.role=host; lab.name gives each its own host name.

Which interface is which: on the host, the k-th link's lab-epf sits
behind a root port at 00:LINK_SLOT+k.0; on an endpoint with several
functions, the k-th one's NTB device is on virtual bus VBUS_BASE+k. The
interface of a link is the ntb_netdev one whose device path goes through
there.
"""

from dataclasses import dataclass

# pci-epf-vntb's virtual bus of an endpoint's first function (vntb-setup's
# default too), and the first PCI slot the multi-link machines give their
# link devices.
VBUS_BASE = 0x10
LINK_SLOT = 0x10
PREFIX = 24


@dataclass(frozen=True)
class Link:
    name: str           # the socket is RUN/<name>.sock
    ep: str             # endpoint machine
    ep_index: int       # which of the endpoint's links (its ntb<index>)
    host_index: int     # which of the host's links (its ntb<index>)
    ep_addr: str
    host_addr: str

    @property
    def ep_if(self):
        return f"ntb{self.ep_index}"

    @property
    def host_if(self):
        return f"ntb{self.host_index}"

    @property
    def subnet(self):
        return self.ep_addr.rsplit(".", 1)[0] + f".0/{PREFIX}"


@dataclass(frozen=True)
class Topology:
    name: str
    summary: str
    links: tuple

    @property
    def endpoints(self):
        """The endpoint machines, in boot order."""
        return tuple(dict.fromkeys(ln.ep for ln in self.links))

    @property
    def machines(self):
        return self.endpoints + ("host",)

    @property
    def multi(self):
        """More than one link: devices at fixed slots, interfaces found
        by their device path (see the module's doc)."""
        return len(self.links) > 1

    @property
    def forwarding(self):
        """The host routes between endpoints."""
        return len(self.endpoints) > 1

    def links_of(self, ep):
        return tuple(ln for ln in self.links if ln.ep == ep)

    def routes(self, ep):
        """(subnet, gateway) routes endpoint EP needs to reach the other
        endpoints, through the host."""
        own = self.links_of(ep)
        return tuple((ln.subnet, own[0].host_addr) for ln in self.links
                     if ln.ep != ep)


TOPOLOGIES = {
    t.name: t for t in (
        Topology(
            name="one-ep",
            summary="one endpoint machine (ep), one link to the host",
            links=(Link("link", "ep", 0, 0, "198.18.0.1", "198.18.0.2"),),
        ),
        Topology(
            name="two-ep",
            summary="two endpoint machines (ep0, ep1), each linked to "
                    "the host, which forwards between them",
            links=(Link("link0", "ep0", 0, 0, "198.18.1.2", "198.18.1.1"),
                   Link("link1", "ep1", 0, 1, "198.18.2.2", "198.18.2.1")),
        ),
        Topology(
            name="two-fn",
            summary="one endpoint machine (ep) with two controllers and "
                    "two vNTB functions, two links to the host",
            links=(Link("link0", "ep", 0, 0, "198.18.1.2", "198.18.1.1"),
                   Link("link1", "ep", 1, 1, "198.18.2.2", "198.18.2.1")),
        ),
    )
}

DEFAULT = "one-ep"

# Every machine name any topology has, for the command line.
MACHINES = tuple(dict.fromkeys(
    name for t in TOPOLOGIES.values() for name in t.machines))
