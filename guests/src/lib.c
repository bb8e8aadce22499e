/* The few libc routines the compiler and the guest need. */
#include "guest.h"

void *memcpy(void *d, const void *s, u64 n)
{
    u8 *dp = d;
    const u8 *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memset(void *d, int c, u64 n)
{
    u8 *dp = d;
    while (n--)
        *dp++ = (u8)c;
    return d;
}

int memcmp(const void *a, const void *b, u64 n)
{
    const u8 *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

u64 strlen(const char *s)
{
    u64 n = 0;
    while (s[n])
        n++;
    return n;
}

bool streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}
