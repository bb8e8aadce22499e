/*
 * The host end of bench.py's network metric, run inside the bench's network namespace: it counts
 * the UDP datagrams that reach 10.0.0.1:9 and, when asked, floods 10.0.0.2:9 (the guest).
 * Commands on stdin, one answer line each on stdout:
 *   count               datagrams received so far
 *   flood MS SIZE PPS   SIZE-byte datagrams for MS ms at up to PPS per second (0: as fast as
 *                       the host can); answers how many were sent
 * C with recvmmsg/sendmmsg in batches, so that the peer takes little of the two cores that the
 * VMM under test needs. The Python peer it replaces took 40-50 % of a core at 150 kpps, lost up
 * to a fifth of what the guest sent when it fell behind, and its flood rate was its own speed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "netbench.h"

#define BATCH 64
static int sock;
static atomic_ulong received;

static void *receive(void *unused)
{
    static char bufs[BATCH][2048];
    struct iovec iov[BATCH];
    struct mmsghdr m[BATCH];
    (void)unused;
    memset(m, 0, sizeof m);
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    for (;;) {
        int n = recvmmsg(sock, m, BATCH, MSG_WAITFORONE, NULL);
        if (n > 0)
            atomic_fetch_add(&received, n);
        else if (errno != EINTR)
            die("recvmmsg");
    }
    return NULL;
}

/* Sends for ms milliseconds, in batches paced to pps (0: unpaced); returns datagrams sent. */
static unsigned long flood(long ms, int size, long pps)
{
    static char data[65536];
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
    inet_pton(AF_INET, "10.0.0.2", &to.sin_addr);
    struct iovec iov = { data, size };
    struct mmsghdr m[BATCH];
    memset(m, 0, sizeof m);
    for (int i = 0; i < BATCH; i++) {
        m[i].msg_hdr.msg_name = &to;
        m[i].msg_hdr.msg_namelen = sizeof to;
        m[i].msg_hdr.msg_iov = &iov;
        m[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned long sent = 0;
    double start = now(), end = start + ms / 1000.0;
    for (double t = start; t < end; t = now()) {
        if (pps > 0 && sent >= (t - start) * pps) {
            /* ahead of the rate: sleep until this batch is due (the next lap sees any overshoot) */
            double due = start + (double)sent / pps;
            struct timespec d = { (time_t)due, (long)((due - (time_t)due) * 1e9) };
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL);
            continue;
        }
        int n = sendmmsg(sock, m, BATCH, 0);
        if (n > 0)
            sent += n;
        else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
            die("sendmmsg");
    }
    return sent;
}

int main(void)
{
    sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (sock < 0)
        die("socket");
    int big = 1 << 24;
    setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);   /* root: above rmem_max */
    setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(9) };
    inet_pton(AF_INET, "10.0.0.1", &me.sin_addr);
    if (bind(sock, (struct sockaddr *)&me, sizeof me) < 0)
        die("bind 10.0.0.1:9");
    pthread_t t;
    if (pthread_create(&t, NULL, receive, NULL) != 0)
        die("pthread_create");
    printf("ready\n");
    fflush(stdout);
    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        long ms, pps;
        int size;
        if (strncmp(line, "count", 5) == 0)
            printf("%lu\n", atomic_load(&received));
        else if (sscanf(line, "flood %ld %d %ld", &ms, &size, &pps) == 3 && size > 0 && size <= 65507)
            printf("%lu\n", flood(ms, size, pps));
        else
            printf("-1\n");
        fflush(stdout);
    }
    return 0;
}
