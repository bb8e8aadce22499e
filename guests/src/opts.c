/* key=value words of the command line that the user-mode and device modes read. Only the keys
   listed here are taken; any other word is still reported as ignored by main.c. */
#include "guest.h"

static const char *const keys[] = {
    "count", "port", "addr", "ms", "ip", "peer", "sector", "mib", "size", "index", "transport", "irq",
    "nic", "warmup", "clac", "qd",
};
#define NKEYS (sizeof keys / sizeof keys[0])
static const char *values[NKEYS];

bool opts_set(const char *word)
{
    for (u32 i = 0; i < NKEYS; i++) {
        u64 n = strlen(keys[i]);
        if (memcmp(word, keys[i], n) == 0 && word[n] == '=') {
            values[i] = word + n + 1;
            return true;
        }
    }
    return false;
}

const char *opt_str(const char *key, const char *dflt)
{
    for (u32 i = 0; i < NKEYS; i++)
        if (streq(key, keys[i]))
            return values[i] ? values[i] : dflt;
    return dflt;
}

u64 opt_u64(const char *key, u64 dflt)
{
    const char *s = opt_str(key, NULL);
    if (!s)
        return dflt;
    u64 v = 0;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    if (!*s)
        fail("cmdline: %s= has no number", key);
    for (const char *p = s; *p; p++) {
        int d = *p >= '0' && *p <= '9' ? *p - '0'
              : base == 16 && *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
              : base == 16 && *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
        if (d < 0)
            fail("cmdline: %s=%s is not a number", key, s);
        v = v * base + d;
    }
    return v;
}

/* Dotted quad to a host-order u32 (10.0.0.2 -> 0x0a000002). */
bool opt_ip(const char *key, u32 dflt, u32 *out)
{
    const char *s = opt_str(key, NULL);
    if (!s) {
        *out = dflt;
        return false;
    }
    u32 ip = 0, part = 0, parts = 0;
    bool digit = false;
    for (const char *p = s;; p++) {
        if (*p >= '0' && *p <= '9') {
            part = part * 10 + (*p - '0');
            digit = true;
            if (part > 255)
                fail("cmdline: %s=%s: a part is above 255", key, s);
        } else if ((*p == '.' || !*p) && digit) {
            ip = ip << 8 | part;
            parts++;
            part = 0;
            digit = false;
            if (!*p)
                break;
        } else {
            fail("cmdline: %s=%s is not an IPv4 address", key, s);
        }
    }
    if (parts != 4)
        fail("cmdline: %s=%s is not an IPv4 address", key, s);
    *out = ip;
    return true;
}

u64 tsc_to_us(u64 ticks)
{
    return ticks * 1000 / tsc_khz;
}

/* count per second, times 10 (one decimal). Microsecond resolution is plenty: every measured
   interval is at least milliseconds long. */
u64 rate_per_sec(u64 count, u64 tsc_ticks)
{
    u64 us = tsc_to_us(tsc_ticks);
    if (us == 0)
        us = 1;
    return count < 100000000000UL ? count * 10000000 / us : count / us * 10000000;
}
