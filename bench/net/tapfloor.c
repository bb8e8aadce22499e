/*
 * The host floor of bench.py's pinned guest->host row: what one core does with a tap and nothing
 * else, no guest and no rings. The tap is opened as both VMMs open theirs (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR with a 12-byte header, non-blocking), and FRAMEFILE (the header, then an Ethernet
 * frame) is written with writev in a loop, as two iovecs like jhyve's transmit path.
 *   tapfloor TAP SECONDS FRAMEFILE
 * Writes WARM seconds uncounted first. Prints "counting" when the measured window opens, then
 * "frames=N us=T". bench/net/TapFloor.java is the same loop through JDK 25's FFM API.
 * There is no receive floor: a reader that sleeps whenever the tap is empty is woken once per
 * frame or two, and its figure then measures the scheduler more than the work (bench.py).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "netbench.h"

#define WARM 0.5

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tapfloor TAP SECONDS FRAMEFILE\n");
        return 2;
    }
    static unsigned char buf[12 + 65536];
    FILE *f = fopen(argv[3], "rb");
    if (!f)
        die(argv[3]);
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (len <= 12 + 14) {
        fprintf(stderr, "%s: %zu bytes is no header and frame\n", argv[3], len);
        return 1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        die("/dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[1]);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        die("TUNSETIFF");
    int hdr = 12;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
        die("TUNSETVNETHDRSZ");
    struct iovec iov[2] = { { buf, 12 }, { buf + 12, len - 12 } };
    for (double t = now(), warm = t + WARM; t < warm; t = now())
        for (int i = 0; i < 256; i++)
            writev(fd, iov, 2);
    printf("counting\n");
    fflush(stdout);
    unsigned long frames = 0;
    double start = now(), end = start + atof(argv[2]);
    for (double t = start; t < end; t = now())
        for (int i = 0; i < 256; i++)
            if (writev(fd, iov, 2) > 0)
                frames++;
    printf("frames=%lu us=%.0f\n", frames, (now() - start) * 1e6);
    return 0;
}
