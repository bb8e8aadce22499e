#!/usr/bin/env python3
"""Runs every mode of build/testguest.elf under QEMU/KVM and checks the lines it prints and how
QEMU ended (from QMP SHUTDOWN events: guest-shutdown = power-off, guest-reset = reset or triple
fault). Usage: guests/test/qemu-check.py [-v] [CASE-NAME-SUBSTRING ...]; exits 1 if a case fails."""
import json, os, re, select, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ELF = os.path.join(HERE, "..", "build", "testguest.elf")
MICROVM = "microvm,acpi=on,pcie=on"
Q35 = "q35"

# name, machine, cmdline, expected regexes (in order), end ("shutdown", "reset", "running"),
# extra QEMU args, input to type, QMP command to send once a line matches
def blk_args(machine_extra=""):
    return ["-drive", "file={disk},if=none,id=d0,format=raw,discard=unmap",
            "-device", "virtio-blk-pci,drive=d0,serial=jhyvedisk" + machine_extra]


def check_records(disk, lines):
    """Every record the guest called durable must be on the disk, in blk-records' format."""
    import struct
    durable = [int(m.group(1)) for l in lines for m in [re.match(r"^blk-records: record (\d+) durable$", l)] if m]
    if not durable:
        return ["no record reported durable"]
    data = open(disk, "rb").read()
    base = 100
    for n in durable:
        s = data[(base + n) * 512:(base + n + 1) * 512]
        if s[:8] != b"JHYVEREC" or struct.unpack("<QQ", s[8:24]) != (n, n ^ (2**64 - 1)) or \
                any(s[i] != (n + i) & 255 for i in range(24, 512)):
            return [f"record {n} reported durable but sector {base + n} does not hold it"]
    return []


def console_args(dev_extra=""):
    return ["-device", "virtio-serial-pci,max_ports=4" + dev_extra,
            "-chardev", "socket,id=c0,path={dir}/c0,server=on,wait=off", "-device", "virtconsole,chardev=c0",
            "-chardev", "socket,id=c1,path={dir}/c1,server=on,wait=off",
            "-device", "virtserialport,chardev=c1,name=org.jhyve.port1"]


CONSOLE_IO = {"socks": {"c0": [(r"^virtio-console: port=0 ready$", b"hello port zero\r\n")],
                        "c1": [(r"^virtio-console: port=1 ready$", b"second port\n")]},
              "sock_expect": {"c0": b"hello port zero\n", "c1": b"second port\n"}}


class NetPeer:
    """The other end of QEMU's `-netdev socket,udp=`: Ethernet frames carried in UDP datagrams.
    It is 10.0.0.1 (MAC 02:00:00:00:00:01); the guest is 10.0.0.2. `ping` asks ARP, then sends
    three ICMP echo requests and checks the replies; `bench` answers the guest's ARP, counts its
    UDP packets and floods it with 3000 UDP packets when the guest says `rx ready`."""
    MAC, IP, GUEST_IP = bytes.fromhex("020000000001"), bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])

    def __init__(self, kind, model="e1000-82545em"):
        self.kind, self.model = kind, model
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t.bind(("127.0.0.1", 0))
        self.qemu_port = t.getsockname()[1]
        t.close()
        self.guest_mac, self.arp_replies, self.echo_replies, self.udp_in, self.flooded = None, 0, [], 0, 0

    def args(self):
        return ["-netdev", f"socket,id=n0,udp=127.0.0.1:{self.sock.getsockname()[1]},"
                f"localaddr=127.0.0.1:{self.qemu_port}", "-device", f"{self.model},netdev=n0,mac=52:54:00:12:34:56"]

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))

    @staticmethod
    def csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return (~s & 0xFFFF).to_bytes(2, "big")

    def ip(self, proto, payload):
        h = bytes([0x45, 0]) + (20 + len(payload)).to_bytes(2, "big") + b"\0\1\0\0" + bytes([64, proto]) + \
            b"\0\0" + self.IP + self.GUEST_IP
        return h[:10] + self.csum(h) + h[12:] + payload

    def arp(self, op, tha, tpa):
        dst = b"\xff" * 6 if op == 1 else tha
        return dst + self.MAC + b"\x08\x06" + bytes.fromhex("00010800060400") + bytes([op]) + self.MAC + \
            self.IP + (tha or b"\0" * 6) + tpa

    def on_line(self, text):
        if self.kind == "ping" and re.match(r"^(e1000|virtio-net): ready ", text):
            self.send(self.arp(1, None, self.GUEST_IP))
        if self.kind == "bench" and text == "net-bench: rx ready":
            udp = (5001).to_bytes(2, "big") + (7).to_bytes(2, "big") + (8 + 1000).to_bytes(2, "big") + b"\0\0"
            frame = self.guest_mac + self.MAC + b"\x08\x00" + self.ip(17, udp + bytes(1000))
            for i in range(3000):
                self.send(frame)
                self.flooded += 1
                if i % 32 == 31:
                    time.sleep(0.001)   # paced: QEMU's socket back end drops what the ring cannot take

    def on_frame(self, f):
        if f[12:14] == b"\x08\x06" and f[20:22] == b"\0\2" and f[28:32] == self.GUEST_IP:
            self.arp_replies += 1
            self.guest_mac = f[22:28]
            if self.kind == "ping":
                for seq in (1, 2, 3):
                    icmp = b"\x08\0\0\0" + (0x4a48).to_bytes(2, "big") + seq.to_bytes(2, "big") + b"jhyve ping %d" % seq
                    icmp = icmp[:2] + self.csum(icmp) + icmp[4:]
                    self.send(self.guest_mac + self.MAC + b"\x08\x00" + self.ip(1, icmp))
        elif f[12:14] == b"\x08\x06" and f[20:22] == b"\0\1" and f[38:42] == self.IP:
            self.guest_mac = f[22:28]
            self.send(self.arp(2, f[22:28], f[28:32]))
        elif f[12:14] == b"\x08\x00" and f[23] == 1 and f[34] == 0 and self.csum(f[14:34]) == b"\0\0":
            icmp = f[34:14 + int.from_bytes(f[16:18], "big")]
            if self.csum(icmp) == b"\0\0":
                self.echo_replies.append((int.from_bytes(icmp[4:6], "big"), int.from_bytes(icmp[6:8], "big"), icmp[8:]))
        elif f[12:14] == b"\x08\x00" and f[23] == 17 and f[30:34] == self.IP:
            self.udp_in += 1

    def problems(self, lines):
        if self.kind == "ping":
            want = [(0x4a48, s, b"jhyve ping %d" % s) for s in (1, 2, 3)]
            p = [] if self.arp_replies >= 1 else ["no ARP reply from the guest"]
            return p + ([] if self.echo_replies == want else [f"echo replies {self.echo_replies}, expected {want}"])
        tx = [int(m.group(1)) for l in lines for m in [re.match(r"^net-bench: tx packets=(\d+) ", l)] if m]
        p = [] if self.udp_in > 0 and tx and self.udp_in <= tx[0] else [f"peer got {self.udp_in} UDP packets, guest says {tx}"]
        return p


CASES = [
    ("microvm-demo", MICROVM, "demo",
     [r"^jhyve-testguest: start$", r"^cpu: apic=0 uid=0 enabled bsp$", r"^smp: 2 of 2 cpus up$",
      r"^mem: ram=0x[0-9a-f]+ mib=12[0-9]$", r"^pci: access=ecam base=0xe0000000 source=dsdt-cba$",
      r"^pci: 00:00\.0 id=1b36:0008 class=060000", r"^acpi: table sig=APIC .* checksum=OK$",
      r"^poweroff: method=sleep_control space=mem addr=0x[0-9a-f]+ slp_typ=5$"], "shutdown", [], None, None),
    ("q35-demo", Q35, "demo",
     [r"^smp: 2 of 2 cpus up$", r"^pci: access=ecam base=0xb0000000 source=mcfg$",
      r"^pci: 00:1f\.0 id=8086:2918 class=060100", r"^acpi: table sig=MCFG .* checksum=OK$",
      r"^tsc: khz=\d+ source=pm-timer$", r"^poweroff: method=pm1a_cnt space=io addr=0x604 slp_typ=0$"],
     "shutdown", [], None, None),
    ("microvm-poweroff", MICROVM, "poweroff", [r"^mode: poweroff$", r"^poweroff: method=sleep_control"],
     "shutdown", [], None, None),
    ("q35-poweroff", Q35, "poweroff", [r"^poweroff: method=pm1a_cnt"], "shutdown", [], None, None),
    ("q35-reset", Q35, "reset", [r"^reset: method=cf9 port=0xcf9 value=0x6$"], "reset", [], None, None),
    ("q35-kbdreset", Q35, "kbdreset", [r"^reset: method=kbd port=0x64 value=0xfe$"], "reset", [], None, None),
    ("microvm-triplefault", MICROVM, "triplefault", [r"^triplefault: empty idt then divide by zero$"],
     "reset", [], None, None),
    ("microvm-smp", MICROVM, "smp", [r"^smp: cpu apic=1 up$", r"^smp: 2 of 2 cpus up$"],
     "shutdown", [], None, None),
    ("microvm-smp1", MICROVM, "smp", [r"^smp: 1 of 1 cpus up$"], "shutdown", ["-smp", "1"], None, None),
    ("microvm-halt", MICROVM, "halt", [r"^smp: 2 of 2 cpus up$", r"^halt: all cpus halted$"],
     "running", [], None, None),
    ("microvm-echo", MICROVM, "echo",
     [r"^echo: ready$", r"^echo: hello world$", r"^echo: second line$", r"^echo: quit$", r"^poweroff: "],
     "shutdown", [], b"hello world\r\nsecond line\nquit\n", None),
    ("microvm-acpi", MICROVM, "acpi",
     [r"^fadt: .*hw_reduced=1", r"^madt: lapic uid=1 apic=1 flags=0x1$", r"^s5: slp_typa=5 slp_typb=0$",
      r"^acpi: ok tables=4$"], "shutdown", [], None, None),
    ("q35-acpi", Q35, "acpi",
     [r"^fadt: pm1a_evt=io:0x600 pm1_evt_len=4 pm1a_cnt=io:0x604", r"^madt: iso bus=0 irq=9 gsi=9 flags=0x000d$",
      r"^mcfg: base=0xb0000000 segment=0 buses=0-255$", r"^acpi: ok tables=\d+$"], "shutdown", [], None, None),
    ("microvm-pci", MICROVM, "pci",
     [r"^pci: 00:01\.0 id=1af4:1000 class=020000", r"^pci: 00:01\.0 bar0 io addr=0x0 size=0x20$",
      r"^pci: 00:01\.0 bar4 mem64 addr=0x0 size=0x4000 prefetchable$", r"^pci: 00:01\.0 caps=0x11@0x98",
      r"^pci: count=2$"], "shutdown", ["-device", "virtio-net-pci,netdev=n0", "-netdev", "user,id=n0"], None, None),
    ("q35-sigterm", Q35, "sigterm", [r"^sigterm: ready$", r"^sigterm: power button$", r"^poweroff: method=pm1a_cnt"],
     "shutdown", [], None, (r"^sigterm: ready$", "system_powerdown")),
    ("microvm-fault", MICROVM, "fault",
     [r"^fault: reading unmapped address 0x100000000$",
      r"^FAIL: exception vector=14 \(#PF page fault\) rip=0x[0-9a-f]+ error=0x0 cr2=0x100000000 apic=0$",
      r"^poweroff: "], "shutdown", [], None, None),
    ("microvm-smp4", MICROVM, "smp", [r"^smp: cpu apic=3 up$", r"^smp: 4 of 4 cpus up$"], "shutdown",
     ["-smp", "4"], None, None),
    ("microvm-nomode", MICROVM, "nothing", [r"^cmdline: nothing$", r"^cmdline: ignoring word nothing$", r"^FAIL: no mode word"],
     "shutdown", [], None, None),
    ("microvm-qemuexit", "microvm,acpi=off", "poweroff qemuexit",
     [r"^FAIL: acpi: no RSDP", r"^FAIL: poweroff: no FADT$", r"^poweroff: method=isa-debug-exit port=0x501$"], "exit1",
     ["-device", "isa-debug-exit"], None, None),
    ("microvm-userloop", MICROVM, "userloop ms=100",
     [r"^userloop: cpl=0 iterations=\d+ us=\d+ per_sec=\d+\.\d$",
      r"^userloop: cpl=3 iterations=\d+ us=\d+ per_sec=\d+\.\d$",
      r"^userloop: syscalls=200 us=\d+ ns_per_syscall=\d+ cpl_via_syscall=0$",
      r"^userloop: back at cpl=0 after \d+ user iterations$", r"^poweroff: "], "shutdown", [], None, None),
    ("microvm-pio-loop", MICROVM, "pio-loop count=1000",
     [r"^pio-loop: cpl=3 port=0x80 op=outb count=1000 us=\d+ exits_per_sec=\d+\.\d ns_per_exit=\d+ trapped=\d+$",
      r"^pio-loop: cpl=0 port=0x80 op=outb count=1000 us=\d+ exits_per_sec=\d+\.\d ns_per_exit=\d+ trapped=0$",
      r"^poweroff: "], "shutdown", [], None, None),
    ("microvm-mmio-loop", MICROVM, "mmio-loop count=5000",
     [r"^mmio-loop: cpl=3 addr=0xe0000000 op=read32 value=0x00081b36 count=5000 us=\d+ exits_per_sec=\d+\.\d",
      r"^mmio-loop: cpl=0 addr=0xe0000000 op=read32 value=0x00081b36 count=5000 ", r"^poweroff: "],
     "shutdown", [], None, None),
    ("q35-pio-loop", Q35, "pio-loop count=1000 port=0x80",
     [r"^pio-loop: cpl=3 port=0x80 .* trapped=\d+$", r"^pio-loop: cpl=0 port=0x80 .* trapped=0$"],
     "shutdown", [], None, None),
    ("microvm-virtio-blk", MICROVM, "virtio-blk",
     [r"^virtio: 00:01\.0 id=1af4:10(01|42) type=blk transport=modern ",
      r"^virtio-blk: capacity=131072 sectors \(64 MiB\) queue_size=256 indirect=1 .* flush=1 discard=1 write_zeroes=1$",
      r"^virtio-blk: get-id status=ok id=jhyvedisk$", r"^virtio-blk: write sector=0 count=16 status=ok$",
      r"^virtio-blk: flush status=ok$", r"^virtio-blk: read sector=0 count=16 verify=ok$",
      r"^virtio-blk: write-zeroes sector=4 count=4 status=ok verify=ok$",
      r"^virtio-blk: discard sector=8 count=8 status=ok$",
      r"^virtio-blk: read beyond end sector=131072 status=ioerr$", r"^virtio-blk: ok$", r"^poweroff: "],
     "shutdown", blk_args(), None, None, {"disk": 64 << 20}),
    ("q35-virtio-blk-modern", Q35, "virtio-blk sector=8",
     [r"^virtio: 00:\w\w\.0 id=1af4:1042 type=blk ", r"^virtio-blk: read sector=8 count=16 verify=ok$",
      r"^virtio-blk: ok$"], "shutdown", blk_args(",disable-legacy=on"), None, None, {"disk": 1 << 20}),
    ("q35-virtio-blk-legacy", Q35, "virtio-blk",
     [r"^virtio: 00:\w\w\.0 id=1af4:1001 type=blk transport=legacy io=0x[0-9a-f]+$",
      r"^virtio-blk: features offered=0x[0-9a-f]+ accepted=0x10006244$",
      r"^virtio-blk: get-id status=ok id=jhyvedisk$", r"^virtio-blk: read sector=0 count=16 verify=ok$",
      r"^virtio-blk: ok$"], "shutdown", blk_args(",disable-modern=on"), None, None, {"disk": 1 << 20}),
    ("microvm-blk-bench", MICROVM, "blk-bench ms=50 warmup=20 mib=8",
     [r"^blk-bench: region=8 MiB ms=50 warmup=20 seq_bs=131072 rand_bs=4096 qd_max=32$",
      r"^blk-bench: seq-write qd=1 bs=131072 ops=\d+ bytes=\d+ us=\d+ mb_s=\d+\.\d iops=\d+\.\d avg_lat_us=\d+"
      r" warm_ops=[1-9]\d* warm_us=\d+$",
      r"^blk-bench: seq-read qd=1 ", r"^blk-bench: rand-write qd=1 bs=4096 ", r"^blk-bench: rand-read qd=1 ",
      r"^blk-bench: seq-write qd=32 ", r"^blk-bench: seq-read qd=32 ", r"^blk-bench: rand-write qd=32 ",
      r"^blk-bench: rand-read qd=32 bs=4096 ", r"^blk-bench: flush us=\d+$", r"^blk-bench: done$"],
     "shutdown", blk_args(), None, None, {"disk": 16 << 20}),
    ("microvm-blk-records", MICROVM, "blk-records sector=100 count=20",
     [r"^blk-records: sector=100 count=20 flush=yes$", r"^blk-records: record 0 durable$",
      r"^blk-records: record 19 durable$", r"^blk-records: done count=20$"],
     "shutdown", blk_args(), None, None, {"disk": 1 << 20, "post": check_records}),
    ("microvm-virtio-rng", MICROVM, "virtio-rng",
     [r"^virtio: 00:01\.0 id=1af4:10(05|44) type=rng ", r"^virtio-rng: bytes=64 requests=\d+ data=[0-9a-f]{128}$",
      r"^virtio-rng: ok$", r"^poweroff: "], "shutdown", ["-device", "virtio-rng-pci"], None, None),
    ("microvm-virtio-rng-msix", MICROVM, "virtio-rng irq=msix",
     [r"^virtio-rng: irq=msix vector=0x51 apic=0$", r"^virtio-rng: irq=msix vector=0x51 pending=1$",
      r"^virtio-rng: ok$", r"^poweroff: "], "shutdown", ["-device", "virtio-rng-pci"], None, None),
    ("microvm-virtio-console", MICROVM, "virtio-console",
     [r"^virtio: 00:01\.0 id=1af4:10(03|43) type=console ", r"^virtio-console: multiport=1 max_nr_ports=\d+$",
      r"^virtio-console: port=0 added$", r"^virtio-console: port=1 added$",
      r"^virtio-console: port=0 is a console$", r"^virtio-console: port=1 name=org\.jhyve\.port1$",
      r"^virtio-console: port=0 ready$", r"^virtio-console: port=0 line=hello port zero$",
      r"^virtio-console: port=0 echoed bytes=16$", r"^virtio-console: port=1 ready$",
      r"^virtio-console: port=1 line=second port$", r"^virtio-console: ok ports=2$", r"^poweroff: "],
     "shutdown", console_args(), None, None, CONSOLE_IO),
    ("q35-virtio-console-legacy", Q35, "virtio-console",
     [r"^virtio: 00:\w\w\.0 id=1af4:1003 type=console transport=legacy ",
      r"^virtio-console: port=0 line=hello port zero$", r"^virtio-console: port=1 line=second port$",
      r"^virtio-console: ok ports=2$"], "shutdown", console_args(",disable-modern=on"), None, None, CONSOLE_IO),
    ("microvm-e1000", MICROVM, "e1000 ip=10.0.0.2 count=3 ms=10000",
     [r"^e1000: 00:01\.0 id=8086:100f bar0=0x[0-9a-f]+ eeprom mac=52:54:00:12:34:56 checksum=ok \(0xbaba\) ral_valid=1$",
      r"^e1000: link=up ", r"^e1000: ready ip=10\.0\.0\.2 echo_requests=3 ms=10000$",
      r"^e1000: arp request from 10\.0\.0\.1 answered$",
      r"^e1000: icmp echo from 10\.0\.0\.1 id=19016 seq=1 len=20 answered$",
      r"^e1000: icmp echo from 10\.0\.0\.1 id=19016 seq=3 len=20 answered$",
      r"^e1000: ok echo=3 arp=1$", r"^poweroff: "], "shutdown", [], None, None,
     {"peer": lambda: NetPeer("ping")}),
    ("microvm-net-bench", MICROVM, "net-bench ms=300 size=1000",
     [r"^net-bench: nic=e1000 ip=10\.0\.0\.2 peer=10\.0\.0\.1 port=9 size=1000 ms=300$",
      r"^net-bench: peer mac=02:00:00:00:00:01$",
      r"^net-bench: tx packets=\d+ bytes=\d+ us=\d+ pps=\d+\.\d mb_s=\d+\.\d$", r"^net-bench: rx ready$",
      r"^net-bench: rx packets=\d+ bytes=\d+ us=\d+ pps=\d+\.\d mb_s=\d+\.\d$", r"^net-bench: done$"],
     "shutdown", [], None, None, {"peer": lambda: NetPeer("bench")}),
    ("microvm-virtio-net", MICROVM, "virtio-net ip=10.0.0.2 count=3 ms=10000",
     [r"^virtio-net: 00:\w\w\.0 id=1af4:10(00|41) transport=modern mac=52:54:00:12:34:56 link=up hdr=12 "
      r"rx_ring=256 tx_ring=256$",
      r"^virtio-net: ready ip=10\.0\.0\.2 echo_requests=3 ms=10000$",
      r"^virtio-net: arp request from 10\.0\.0\.1 answered$",
      r"^virtio-net: icmp echo from 10\.0\.0\.1 id=19016 seq=1 len=20 answered$",
      r"^virtio-net: icmp echo from 10\.0\.0\.1 id=19016 seq=3 len=20 answered$",
      r"^virtio-net: ok echo=3 arp=1$", r"^poweroff: "], "shutdown", [], None, None,
     {"peer": lambda: NetPeer("ping", "virtio-net-pci")}),
    ("microvm-net-bench-virtio", MICROVM, "net-bench nic=virtio-net ms=300 size=1000",
     [r"^virtio-net: 00:\w\w\.0 id=1af4:10(00|41) transport=modern ",
      r"^net-bench: nic=virtio-net ip=10\.0\.0\.2 peer=10\.0\.0\.1 port=9 size=1000 ms=300$",
      r"^net-bench: peer mac=02:00:00:00:00:01$",
      r"^net-bench: tx packets=\d+ bytes=\d+ us=\d+ pps=\d+\.\d mb_s=\d+\.\d$", r"^net-bench: rx ready$",
      r"^net-bench: rx packets=\d+ bytes=\d+ us=\d+ pps=\d+\.\d mb_s=\d+\.\d$", r"^net-bench: done$"],
     "shutdown", [], None, None, {"peer": lambda: NetPeer("bench", "virtio-net-pci")}),
    ("q35-e1000-82540em", Q35, "e1000 count=3",
     [r"^e1000: 00:\w\w\.0 id=8086:100e bar0=0x[0-9a-f]+ eeprom mac=52:54:00:12:34:56 checksum=ok",
      r"^e1000: ok echo=3 arp=1$"], "shutdown", [], None, None, {"peer": lambda: NetPeer("ping", "e1000")}),
    ("microvm-virtio-blk-missing", MICROVM, "virtio-blk",
     [r"^FAIL: virtio-blk: no virtio block device"], "shutdown", [], None, None),
]


def run(case, verbose):
    name, machine, cmdline, expect, end, extra, typed, trigger = case[:8]
    opts = case[8] if len(case) > 8 else {}
    d = tempfile.mkdtemp(prefix="tg-")
    disk = os.path.join(d, "disk.img")
    if "disk" in opts:
        with open(disk, "wb") as f:
            f.truncate(opts["disk"])
    extra = [a.replace("{disk}", disk).replace("{dir}", d) for a in extra]
    peer = opts["peer"]() if "peer" in opts else None
    if peer:
        extra = extra + peer.args()
    qmp_path = os.path.join(d, "qmp")
    smp = [] if "-smp" in extra else ["-smp", "2"]
    cmd = ["qemu-system-x86_64", "-accel", "kvm", "-M", machine, *smp, "-m", "128", "-display", "none",
           "-monitor", "none", "-serial", "stdio", "-no-reboot", "-S",
           "-qmp", f"unix:{qmp_path},server=on,wait=off", "-kernel", ELF, "-append", cmdline, *extra]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(qmp_path):
            break
        time.sleep(0.05)
    # chardev sockets the case talks to (QEMU listens on {dir}/NAME): name -> [socket, received]
    socks = {}
    for sname in opts.get("socks", {}):
        c = socket.socket(socket.AF_UNIX)
        for _ in range(100):
            try:
                c.connect(os.path.join(d, sname))
                break
            except OSError:
                time.sleep(0.05)
        socks[sname] = [c, b""]
    q = socket.socket(socket.AF_UNIX)
    q.connect(qmp_path)
    qf = q.makefile("rwb", buffering=0)
    qf.readline()
    def qmp(command):
        qf.write(json.dumps({"execute": command}).encode() + b"\n")
    qmp("qmp_capabilities")
    qmp("cont")
    if typed:
        p.stdin.write(typed)
        p.stdin.flush()
    out, events, buf, qbuf = [], [], b"", b""
    deadline = time.time() + (3 if end == "running" else 60)
    serial_open = True
    while time.time() < deadline and (serial_open or q):
        watch = ([p.stdout] if serial_open else []) + ([q] if q else []) + \
            [v[0] for v in socks.values() if v[0]] + ([peer.sock] if peer else [])
        r, _, _ = select.select(watch, [], [], 0.1)
        if peer and peer.sock in r:
            peer.on_frame(peer.sock.recv(65536))
        for v in socks.values():
            if v[0] in r:
                data = v[0].recv(65536)
                v[1] += data
                if not data:
                    v[0] = None
        if p.stdout in r:
            chunk = os.read(p.stdout.fileno(), 65536)
            serial_open = bool(chunk)
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode(errors="replace").rstrip("\r")
                out.append(text)
                if trigger and re.search(trigger[0], text):
                    qmp(trigger[1])
                if peer:
                    peer.on_line(text)
                for sname, sends in opts.get("socks", {}).items():
                    for rx, data in sends:
                        if re.search(rx, text) and socks[sname][0]:
                            socks[sname][0].sendall(data)
        if q in r:
            data = q.recv(65536)
            qbuf += data
            while b"\n" in qbuf:
                m, qbuf = qbuf.split(b"\n", 1)
                msg = json.loads(m)
                if msg.get("event") == "SHUTDOWN":
                    events.append(msg["data"].get("reason"))
            if not data:
                q = None
    if end != "running":
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    running = p.poll() is None
    if running:
        p.kill()
    rc = p.wait()
    problems = []
    lines = [l for l in out if not l.startswith(("SeaBIOS", "iPXE", "Booting", "Press")) and "\x1b" not in l]
    i = 0
    for rx in expect:
        while i < len(lines) and not re.search(rx, lines[i]):
            i += 1
        if i == len(lines):
            problems.append(f"missing (in order) {rx}")
            break
        i += 1
    if "FAIL" not in " ".join(expect) and any(l.startswith("FAIL:") for l in lines):
        problems.append("guest printed FAIL")
    got = ("running" if running else "exit1" if rc == 1 else "shutdown" if "guest-shutdown" in events
           else "reset" if "guest-reset" in events else f"exit {rc} events {events}")
    if got != end:
        problems.append(f"ended {got}, expected {end}")
    for sname, want in opts.get("sock_expect", {}).items():
        if socks[sname][1] != want:
            problems.append(f"socket {sname} received {socks[sname][1]!r}, expected {want!r}")
    if "post" in opts:
        problems += opts["post"](disk, lines)
    if peer:
        problems += peer.problems(lines)
    ok = not problems
    print(f"{'PASS' if ok else 'FAIL'} {name}" + ("" if ok else ": " + "; ".join(problems)))
    if verbose or not ok:
        for l in lines:
            print("    | " + l)
    return ok


def main():
    verbose = "-v" in sys.argv
    picks = [a for a in sys.argv[1:] if a != "-v"]
    cases = [c for c in CASES if not picks or any(s in c[0] for s in picks)]
    results = [run(c, verbose) for c in cases]
    print(f"{sum(results)}/{len(results)} passed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
