/* What the network bench's C programs (udppeer.c, tapfloor.c) share. */
#ifndef NETBENCH_H
#define NETBENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Seconds on the monotonic clock. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
#endif
